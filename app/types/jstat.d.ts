/** The part of jStat (a CommonJS package without its own types) that Commonpot uses: Student's t quantiles and the
 * standard normal distribution function. */
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: { inv(p: number, degreesOfFreedom: number): number }
      normal: { cdf(x: number, mean: number, sd: number): number }
    }
  }
  export default jstat
}
