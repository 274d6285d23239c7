/** The CLI's version: the package's (bundled into the built CLI, read from package.json under tsx). */
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
