/**
 * The operator's locale for money, from the environment as POSIX orders it: LC_ALL, then
 * LC_MONETARY, then LANG ("hu_HU.UTF-8" → "hu-HU"). Unset, "C", "POSIX" or a tag Intl
 * does not know: undefined, which is Intl's default.
 */
export function localeFromEnvironment(env: Record<string, string | undefined>): string | undefined {
  const value = [env.LC_ALL, env.LC_MONETARY, env.LANG].find((v) => v !== undefined && v !== "");
  if (value === undefined) return undefined;
  const tag = value.replace(/[.@].*$/, "").replace(/_/g, "-");
  if (tag === "" || tag === "C" || tag === "POSIX") return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && Intl.NumberFormat.supportedLocalesOf([canonical]).length > 0 ? canonical : undefined;
  } catch {
    return undefined; // not a well-formed tag
  }
}
