/**
 * Prints the closing line CI reads: `N passed, N failed` (and skipped).
 * Counts individual tests; a suite that fails to load counts as one failure.
 */
class SummaryReporter {
    onRunComplete(_contexts, results) {
        const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
        const skipped = results.numPendingTests + results.numTodoTests;
        const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : "");
        process.stdout.write(`\n${line}\n`);
    }
}
module.exports = SummaryReporter;
