// Package drift checks that every server serves what rdnsctl has: the SOA
// serial of each zone on the primary against the zone's own (a file-backed
// zone's file), on each secondary against the primary's, compared in RFC 1982
// serial arithmetic, and with Records the PTR and CNAME data itself, which
// catches the worst drift: the same serial with different records.
package drift

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

// Status of one zone on one server.
type Status string

const (
	OK          Status = "ok"
	Behind      Status = "behind"  // serial lower than wanted
	Ahead       Status = "ahead"   // serial higher than wanted
	Missing     Status = "missing" // the server is not authoritative (REFUSED, NOTAUTH, SERVFAIL, no SOA)
	Unreachable Status = "unreachable"
	Differs     Status = "differs" // same serial, other PTR/CNAME data (with Records)
)

// Statuses in the order a summary lists them.
var Statuses = []Status{OK, Behind, Ahead, Missing, Unreachable, Differs}

// Role of a server.
const (
	Primary   = "primary"
	Secondary = "secondary"
)

// Zone is one zone as rdnsctl has it.
type Zone struct {
	Origin string
	// Serial is the serial of the zone's own copy (a file-backed zone's
	// file) when Known; a zone read from its primary has no copy of its own
	// and the primary's serial is the truth.
	Serial uint32
	Known  bool
	// Records are its records, for Options.Records; a zone without records
	// of its own (one rdnsctl reads from its primary) is compared with the
	// primary's copy.
	Records []zonefile.Record
}

// Target is a server and its role.
type Target struct {
	Server *rfc2136.Server
	Role   string
}

// Options tune Check.
type Options struct {
	Records     bool // also compare the PTR and CNAME data (by AXFR)
	Concurrency int  // queries in flight at once (default 32)
	MaxDiffs    int  // differences listed per zone and server (default 10)
}

// Difference is one owner whose PTR/CNAME data differ.
type Difference struct {
	IP     string   `json:"ip,omitempty"`
	Name   string   `json:"name"`
	Ours   []string `json:"ours"`
	Theirs []string `json:"theirs"`
}

// Row is the state of one zone on one server.
type Row struct {
	Zone       string       `json:"zone"`
	Server     string       `json:"server"`
	Role       string       `json:"role"`
	Serial     *uint32      `json:"serial"`
	WantSerial *uint32      `json:"want_serial"`
	Status     Status       `json:"status"`
	Error      string       `json:"error,omitempty"`
	Diffs      []Difference `json:"differences"`
	DiffCount  int          `json:"difference_count"`
}

// Check asks every target for every zone's serial (and, with Records, its
// data), concurrently, and returns one row per zone and server in zone, then
// role (primary first), then server order.
func Check(ctx context.Context, zones []Zone, targets []Target, opt Options) ([]Row, error) {
	if opt.Concurrency <= 0 {
		opt.Concurrency = 32
	}
	if opt.MaxDiffs <= 0 {
		opt.MaxDiffs = 10
	}
	type result struct {
		serial uint32
		err    error
	}
	results := make([][]result, len(zones))
	for i := range results {
		results[i] = make([]result, len(targets))
	}
	each := func(fn func(zi, ti int)) {
		sem := make(chan struct{}, opt.Concurrency)
		var wg sync.WaitGroup
		for zi := range zones {
			for ti := range targets {
				if ctx.Err() != nil {
					break
				}
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					fn(zi, ti)
				}()
			}
		}
		wg.Wait()
	}
	each(func(zi, ti int) {
		s, err := targets[ti].Server.Serial(ctx, zones[zi].Origin)
		results[zi][ti] = result{s, err}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows := make([][]Row, len(zones))
	for zi, z := range zones {
		// the primary's serial is what the secondaries should have
		var primary *uint32
		for ti, t := range targets {
			if t.Role == Primary && results[zi][ti].err == nil {
				s := results[zi][ti].serial
				primary = &s
				break
			}
		}
		for ti, t := range targets {
			r := Row{Zone: z.Origin, Server: t.Server.Name, Role: t.Role, Diffs: []Difference{}}
			switch {
			case t.Role == Primary && z.Known:
				r.WantSerial = ptr(z.Serial)
			case t.Role == Primary:
				r.WantSerial = primary
			case primary != nil:
				r.WantSerial = primary
			case z.Known:
				r.WantSerial = ptr(z.Serial)
			}
			res := results[zi][ti]
			if res.err != nil {
				r.Status, r.Error = classify(res.err), res.err.Error()
			} else {
				r.Serial = ptr(res.serial)
				r.Status = OK
				if r.WantSerial != nil {
					switch c := Compare(res.serial, *r.WantSerial); {
					case c < 0:
						r.Status = Behind
					case c > 0:
						r.Status = Ahead
					}
				}
			}
			rows[zi] = append(rows[zi], r)
		}
	}
	if opt.Records {
		ours := make([][]zonefile.Record, len(zones))
		for zi, z := range zones {
			ours[zi] = z.Records
			if z.Records != nil {
				continue
			}
			for ti, t := range targets {
				if t.Role != Primary || rows[zi][ti].Status != OK {
					continue
				}
				if pz, err := rfc2136.Transfer(ctx, t.Server, z.Origin); err == nil {
					ours[zi] = pz.Records
				}
				break
			}
		}
		each(func(zi, ti int) {
			r := &rows[zi][ti]
			if r.Status != OK || ours[zi] == nil {
				return
			}
			theirs, err := rfc2136.Transfer(ctx, targets[ti].Server, zones[zi].Origin)
			if err != nil {
				r.Status, r.Error = classify(err), err.Error()
				return
			}
			diffs := Diff(ours[zi], theirs.Records)
			if len(diffs) > 0 {
				r.Status = Differs
				r.DiffCount = len(diffs)
				r.Diffs = diffs[:min(len(diffs), opt.MaxDiffs)]
			}
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	var out []Row
	for zi := range rows {
		slices.SortStableFunc(rows[zi], func(a, b Row) int {
			if a.Role != b.Role {
				if a.Role == Primary {
					return -1
				}
				if b.Role == Primary {
					return 1
				}
			}
			return 0
		})
		out = append(out, rows[zi]...)
	}
	return out, nil
}

func ptr(v uint32) *uint32 { return &v }

// classify turns a query's failure into a status: a server that answered
// without authority is missing the zone; one that did not answer is
// unreachable.
func classify(err error) Status {
	var e *rfc2136.Error
	if errors.As(err, &e) {
		if e.Err != nil && !errors.Is(e.Err, rfc2136.ErrNotAuthoritative) {
			return Unreachable
		}
		return Missing
	}
	return Unreachable
}

// Compare compares two serials in RFC 1982 arithmetic: -1 when a is behind
// b, 1 when ahead, 0 when equal. A distance of exactly 2^31, which RFC 1982
// leaves undefined, counts as behind: drift is reported, never hidden.
func Compare(a, b uint32) int {
	if a == b {
		return 0
	}
	if d := a - b; d < 1<<31 {
		return 1
	}
	return -1
}

// Diff returns the owners whose PTR and CNAME records differ between
// ours and theirs, in address (then name) order.
func Diff(ours, theirs []zonefile.Record) []Difference {
	type set struct{ ours, theirs []string }
	by := map[string]*set{}
	add := func(rs []zonefile.Record, theirSide bool) {
		for _, r := range rs {
			if r.Type != zonefile.TypePTR && r.Type != zonefile.TypeCNAME {
				continue
			}
			s := by[r.Name]
			if s == nil {
				s = &set{}
				by[r.Name] = s
			}
			d := typeName(r.Type) + " " + strings.ToLower(r.Data)
			if theirSide {
				s.theirs = append(s.theirs, d)
			} else {
				s.ours = append(s.ours, d)
			}
		}
	}
	add(ours, false)
	add(theirs, true)
	var out []Difference
	type keyed struct {
		addr netip.Addr
		d    Difference
	}
	var ks []keyed
	for name, s := range by {
		slices.Sort(s.ours)
		slices.Sort(s.theirs)
		s.ours, s.theirs = slices.Compact(s.ours), slices.Compact(s.theirs)
		if slices.Equal(s.ours, s.theirs) {
			continue
		}
		k := keyed{d: Difference{Name: name, Ours: nonNil(s.ours), Theirs: nonNil(s.theirs)}}
		if a, err := rdns.ParseReverseName(name); err == nil {
			k.addr = a.Unmap()
			k.d.IP = k.addr.String()
		}
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return cmp.Compare(a.d.Name, b.d.Name)
	})
	for _, k := range ks {
		out = append(out, k.d)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func typeName(t uint16) string {
	if t == zonefile.TypeCNAME {
		return "CNAME"
	}
	return "PTR"
}
