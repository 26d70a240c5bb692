/** snake_case database rows ⇄ camelCase domain objects (the figure tables mirror the domain's Figure). */
const toSnake = (k: string) => k.replace(/\d+|[A-Z]/g, (m) => `_${m.toLowerCase()}`);
const toCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function snakeKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [toSnake(k), v]));
}
export function camelKeys<T>(o: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [toCamel(k), v])) as T;
}
