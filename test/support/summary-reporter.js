/**
 * Ends every Jest run with one plain line, `<suite>: N passed, N failed, N skipped`, that CI logs and
 * people can grep. The suite name comes from the reporter option `name`.
 */
class SummaryReporter {
  constructor(_globalConfig, options = {}) {
    this.name = options.name ?? 'tests';
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\n${this.name}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}

module.exports = SummaryReporter;
