/** Days of cover = stock / average daily demand (docs/domain.md); null when there is no demand (cover without end). */
export function daysOfCover(stock: number, averageDaily: number): number | null {
  return averageDaily > 0 ? Math.max(0, stock) / averageDaily : null;
}
