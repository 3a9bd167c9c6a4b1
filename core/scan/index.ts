// The scan of a volume for what could hurt the user (see README.md): findings in steps.
export { checkCursor, MAX_STEP_FINDINGS, MAX_STEP_NOTES, type ScanCursor, type ScanFrame } from './cursor.js';
export { DEFAULT_STEP_BUDGET, scanStep, type ScanEntry, type ScanStepResult, type ScanTarget, type StepBudget } from './scanner.js';
export * from './types.js';
