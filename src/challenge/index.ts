// Challenges: seed claims turned into problems a learner solves and stacklab verifies by breaking the result.
export { listChallenges, findChallenge, parseChallenge, CHALLENGE_DIR } from "./load.js";
export { ChallengeSchema, type Challenge, type ChallengeCheck } from "./schema.js";
export { checkChallenge } from "./checks.js";
export { PLANTS } from "./plants.js";
export { progressFile, readProgress, writeProgress, updateProgress, recordVerdict, type Progress, type ChallengeProgress } from "./progress.js";
export { startChallenge, currentChallenge, nextHint, checkCurrent, resetCurrent, withSize, withSizeText, DEFAULT_LAB, type Started } from "./session.js";
export { formatList, formatStarted, formatVerdict } from "./format.js";
export { expectationLine, experimentVerdict, auditVerdict, planVerdict, checkPassed, sizeVerdict, saturationVerdict, type Verdict, type CheckVerdict, type VerdictLine } from "./verdict.js";
