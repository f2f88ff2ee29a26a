// Package apply is rdnsctl's one write transaction, under every front end
// (the CLI verbs today, HTTP handlers later) and over every way of writing
// zones (zone files today; RFC 2136 UPDATE and the PowerDNS API later).
//
// The Engine owns the transaction: it takes the lock of the zone set,
// recovers a write that a killed writer left behind, applies the
// mass-change guard, records the change journal (entries built here from
// rdns.Change, with the operator, command, ticket and clock passed in), and
// commits. Everything that depends on where zones live is a Backend, in the
// spirit of dnscontrol's providers and octoDNS's targets:
//
//	type Backend interface {
//		Locks() []string
//		StateDir() string
//		Load(ctx context.Context) (*zoneset.Set, error)
//		Prepare(ctx context.Context, s *zoneset.Set, req Request) (Prepared, error)
//		Recover(ctx context.Context) (Recovered, error)
//		Settle() error
//	}
//
//	type Prepared interface {
//		Empty() bool
//		Targets() []Target
//		Diff(w io.Writer) error
//		Apply(ctx context.Context) (Applied, error)
//	}
//
// A backend reads zones into the one in-memory model (Load) and turns a
// change set into a prepared write (Prepare) that touches nothing until
// Apply: preview and --write are the same code until that call. Apply
// reports which changes are live (Applied), and the engine journals exactly
// those: the zone-file backend (package plan) is all or nothing; an RFC 2136
// backend sending one UPDATE per zone or per batch returns the changes of
// the batches the server accepted, with the error of the first one it
// refused. ctx is honoured by Apply only before its commit point; after it,
// Apply finishes.
//
// Crash safety is shared: before Apply, the engine saves the journal lines
// of the whole change set in StateDir (the batch). A backend whose commit
// point was passed by a killed process reports it from Recover (Pending,
// with the changes that are live), and the engine appends their journal
// lines exactly once (journal.AppendBatch) and then calls Settle, which
// forgets the backend's own record of the write (the file backend's
// rename manifest). A new backend is one file implementing these two
// interfaces; no verb changes.
package apply

import (
	"context"
	"io"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Backend is where zones are read from and written to.
type Backend interface {
	// Locks are the lock files that keep two writers of these zones
	// apart. The engine takes them all, in sorted order.
	Locks() []string
	// StateDir is the directory the engine keeps a write's journal batch
	// in until the write is recorded.
	StateDir() string
	// Load reads the zones into the in-memory model.
	Load(ctx context.Context) (*zoneset.Set, error)
	// Prepare turns a request into a prepared write without touching the
	// zones. An empty change set with nothing to retire or add gives an
	// empty write.
	Prepare(ctx context.Context, s *zoneset.Set, req Request) (Prepared, error)
	// Recover finishes or undoes a write a killed process left behind. It
	// is called holding the locks, before Load.
	Recover(ctx context.Context) (Recovered, error)
	// Settle forgets the backend's record of a committed write once the
	// engine has journaled it.
	Settle() error
}

// Request is what a verb asks a backend to prepare.
type Request struct {
	Changes rdns.ChangeSet
	// Retire lists zones (origins) to retire: no longer served, their data
	// kept aside (the file backend renames the file to FILE.retired, or
	// the first free FILE.retired.N).
	Retire []string
	// Extra are new files written with the change (an exported zone and its
	// CSV), outside the zones; none may exist with other contents.
	Extra []ExtraFile
}

// ExtraFile is a file written with a change, outside the zones.
type ExtraFile struct {
	Zone string
	Path string
	Data []byte
}

// Prepared is a write ready to be previewed and applied.
type Prepared interface {
	// Empty says whether applying changes nothing.
	Empty() bool
	// Targets are what the write touches, sorted, for summaries.
	Targets() []Target
	// Diff writes the unified diff of the write (for --show-diff).
	Diff(w io.Writer) error
	// Apply commits the write. Before its commit point it stops when ctx
	// is done (returning ctx's error, nothing applied); after it, it
	// finishes. It returns the changes now live, also with an error.
	Apply(ctx context.Context) (Applied, error)
}

// Target is one thing a write touches: a zone file, a zone on a server.
type Target struct {
	Zone    string
	Path    string // file, or the backend's name for the zone
	Created bool
	Retired bool
}

// Applied says which changes of a write are live.
type Applied struct {
	// All: every change of the request (the zone-file backend's only
	// outcome besides none).
	All bool
	// Some are the indices, into the request's change set, of the live
	// changes when not All.
	Some []int
}

// Count is the number of live changes out of n.
func (a Applied) Count(n int) int {
	if a.All {
		return n
	}
	return len(a.Some)
}

// Recovered is what a backend's Recover found and did.
type Recovered struct {
	// Pending: an interrupted write had passed its commit point; Applied
	// says which changes of its saved batch are live (to be journaled).
	Pending bool
	Applied Applied
	// Done are notes of what was finished, for the operator.
	Done []string
}
