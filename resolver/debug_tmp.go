package resolver

import (
	"os"
	"sync/atomic"
)

var DbgWrites, DbgReads, DbgReadMsgs atomic.Uint64

var dbgPick = os.Getenv("RDNS_PICK")
var dbgNoGosched = os.Getenv("RDNS_NOGOSCHED") != ""
