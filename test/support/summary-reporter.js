/**
 * Prints the closing line CI reads: `N passed, N failed` (and skipped).
 * Counts individual tests; a suite that fails to load counts as one failure.
 * Before it, the wall time of the run against the suite's budget (90 s on a
 * 2-core machine): a figure to watch, not a test that fails.
 */
const BUDGET_SECONDS = 90;

class SummaryReporter {
    onRunComplete(_contexts, results) {
        const seconds = (Date.now() - results.startTime) / 1000;
        process.stdout.write(
            `\ntest time: ${seconds.toFixed(1)} s (budget ≤ ${BUDGET_SECONDS} s${seconds > BUDGET_SECONDS ? ": OVER BUDGET" : ""})\n`,
        );
        const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
        const skipped = results.numPendingTests + results.numTodoTests;
        const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : "");
        process.stdout.write(`\n${line}\n`);
    }
}
module.exports = SummaryReporter;
