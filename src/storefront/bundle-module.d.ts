/** Files named *.bundle.js are imported as text (wrangler.toml [[rules]] type = "Text"). */
declare module "*.bundle.js" {
  const source: string;
  export default source;
}
