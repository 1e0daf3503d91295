// Snapshot wire format and codec: implemented in ./snapshot/ (the byte layout is the comment
// at the top of ./snapshot/index.ts; docs/snapshot-encoding.md is the full reference). This
// file keeps the old import path working.

export * from './snapshot/index.js';
