/** The part of jStat (a CommonJS package without its own types) that Commonpot uses: Student's t quantiles. */
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: { inv(p: number, degreesOfFreedom: number): number }
    }
  }
  export default jstat
}
