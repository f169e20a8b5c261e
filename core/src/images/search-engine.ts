/**
 * Query side of reverse image search, shared by the service and the accuracy test:
 * query variants → candidates (pHash-domain codes + iqdb-style Haar) → alignment/NCC verification
 * of the top candidates → calibrated verdict.
 */
// The implementation lives in the modules below; this module keeps the public import path.

export { THRESHOLDS, type MatchStage, type Verdict } from './verdict-calibration.js';
export { prepareDecoded, prepareQuery, type PreparedQuery, type QueryVariant } from './prepare-query.js';
export type { Chroma, VImg } from './verify-images.js';
export { CandidatePyramid, QueryVerifier, type VerifyScore } from './query-verifier.js';
export { rankCandidates, type EngineOptions, type RankedCandidate, type VerifyLoader } from './rank-candidates.js';
export { cropRgb } from './pixels.js';
