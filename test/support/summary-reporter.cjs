/**
 * Ends a Jest run with one plain line, `Tests: N passed, N failed, N skipped`, after Jest's own
 * summary, so a CI log or a script can read the outcome without parsing Jest's layout.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    // Last of all, after Jest's own summary (printed by a reporter that may run after this one).
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
