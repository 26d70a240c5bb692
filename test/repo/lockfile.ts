export interface LockedPackage {
  optionalDependencies?: Record<string, string>;
}

/**
 * `npm ci` refuses a lockfile that lacks any package a locked package depends on, optional
 * platform packages included (issue #18: an `npm install` on one platform once dropped the
 * other platforms' esbuild, rollup, biome and turbo binaries). Resolution as Node does it: the
 * nearest `node_modules/<name>` up from the package's own folder.
 */
export function missingOptionalPackages(packages: Record<string, LockedPackage>): string[] {
  const missing: string[] = [];
  for (const [path, pkg] of Object.entries(packages)) {
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      let base = path;
      let found = false;
      for (;;) {
        if (packages[`${base ? `${base}/` : ""}node_modules/${name}`]) {
          found = true;
          break;
        }
        if (!base) break;
        const up = base.lastIndexOf("/node_modules/");
        base = up < 0 ? "" : base.slice(0, up);
      }
      if (!found) missing.push(`${path || "(root)"} → ${name}`);
    }
  }
  return missing;
}
