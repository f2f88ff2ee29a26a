package resolver

import "sync/atomic"

// Temporary counters for tuning (helper's work in progress).
var DbgWrites, DbgReads, DbgReadMsgs atomic.Uint64
