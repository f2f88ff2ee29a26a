// Package fcrdns checks forward-confirmed reverse DNS: that each address's PTR
// names a host whose A (IPv4) or AAAA (IPv6) records include the address.
//
// Verdicts are worded for mail operators and mapped to the RFC 8601 iprev
// results: a lookup that could not be completed is "error" (temperror),
// never a failed record.
package fcrdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/resolver"
)

// Verdict is the outcome of checking one address (or one of its PTR names).
type Verdict string

const (
	Pass      Verdict = "pass"       // a PTR name resolves back to the address
	NoPTR     Verdict = "no-ptr"     // NXDOMAIN or no PTR data
	NoForward Verdict = "no-forward" // the PTR name has no A/AAAA or does not exist
	Mismatch  Verdict = "mismatch"   // the name's addresses do not include the address
	MultiPTR  Verdict = "multi-ptr"  // more than one PTR: a failure whatever the names do
	Error     Verdict = "error"      // a lookup failed (timeout, SERVFAIL...): unknown
)

// IPRev is an RFC 8601 §2.7.3 iprev result.
type IPRev string

const (
	IPRevPass      IPRev = "pass"
	IPRevFail      IPRev = "fail"
	IPRevTempError IPRev = "temperror"
	IPRevPermError IPRev = "permerror"
)

// Name is the check of one PTR name of an address.
type Name struct {
	Name    string       `json:"name"`
	Verdict Verdict      `json:"verdict"` // pass, no-forward, mismatch or error
	Forward []netip.Addr `json:"forward"`
	Error   string       `json:"error,omitempty"`
}

// Result is the check of one address. Slices are empty, never nil, so that
// JSON shows [].
type Result struct {
	IP      netip.Addr   `json:"ip"`
	Verdict Verdict      `json:"verdict"`
	IPRev   IPRev        `json:"iprev"`
	PTR     []string     `json:"ptr"`     // PTR names, sorted
	Forward []netip.Addr `json:"forward"` // addresses of all PTR names, sorted
	Names   []Name       `json:"names"`   // one per PTR name, in PTR order
	Error   string       `json:"error,omitempty"`
}

// OK reports whether the address passed.
func (r *Result) OK() bool { return r.Verdict == Pass }

// Summary counts results by verdict.
type Summary struct {
	Total     int `json:"total"`
	Pass      int `json:"pass"`
	NoPTR     int `json:"no_ptr"`
	NoForward int `json:"no_forward"`
	Mismatch  int `json:"mismatch"`
	MultiPTR  int `json:"multi_ptr"`
	Error     int `json:"error"`
}

// Summarize counts results by verdict.
func Summarize(results []Result) Summary {
	var s Summary
	for i := range results {
		s.Add(results[i].Verdict)
	}
	return s
}

// Add counts one verdict.
func (s *Summary) Add(v Verdict) {
	s.Total++
	switch v {
	case Pass:
		s.Pass++
	case NoPTR:
		s.NoPTR++
	case NoForward:
		s.NoForward++
	case Mismatch:
		s.Mismatch++
	case MultiPTR:
		s.MultiPTR++
	case Error:
		s.Error++
	}
}

// Failed counts the records that failed (everything but pass and error).
func (s Summary) Failed() int { return s.Total - s.Pass - s.Error }

// ForwardError is ValidateForward's answer when the name does not resolve to
// the address.
type ForwardError struct {
	Name    string
	Addr    netip.Addr
	Forward []netip.Addr // the name's addresses; none when it has none or does not exist
}

func (e *ForwardError) Error() string {
	rtype := "A"
	if e.Addr.Is6() {
		rtype = "AAAA"
	}
	if len(e.Forward) == 0 {
		return fmt.Sprintf("%s has no %s record or does not exist, so it does not resolve to %s", e.Name, rtype, e.Addr)
	}
	s := make([]string, len(e.Forward))
	for i, a := range e.Forward {
		s[i] = a.String()
	}
	return fmt.Sprintf("%s resolves to %s, not %s", e.Name, strings.Join(s, ", "), e.Addr)
}

// ValidateForward returns nil when name has an A (IPv4 addr) or AAAA (IPv6)
// record equal to addr. Otherwise it returns a *ForwardError saying what name
// resolves to, or the lookup's error (resolver.IsTemp tells if it is
// temporary).
func ValidateForward(ctx context.Context, r resolver.Resolver, addr netip.Addr, name string) error {
	addr = addr.Unmap().WithZone("")
	name = canonical(name)
	fwd, err := r.Addrs(ctx, name, addr.Is6())
	if err != nil {
		return fmt.Errorf("forward lookup of %s: %w", name, err)
	}
	fwd = normalize(fwd)
	if slices.Contains(fwd, addr) {
		return nil
	}
	return &ForwardError{Name: name, Addr: addr, Forward: fwd}
}

// canonical lower-cases name and makes it fully qualified.
func canonical(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// normalize unmaps, sorts and de-duplicates addresses; never nil.
func normalize(a []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(a))
	for _, x := range a {
		out = append(out, x.Unmap().WithZone(""))
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// check checks one address; complete is false when ctx ended before it was
// done.
func check(ctx context.Context, r resolver.Resolver, fc *forwardCache, addr netip.Addr) (res Result, complete bool) {
	addr = addr.Unmap().WithZone("")
	res = Result{IP: addr, PTR: []string{}, Forward: []netip.Addr{}, Names: []Name{}}
	ptrs, err := r.PTR(ctx, addr)
	if err != nil {
		if ctx.Err() != nil {
			return res, false
		}
		res.Verdict, res.IPRev, res.Error = Error, errorIPRev(err), err.Error()
		return res, true
	}
	if len(ptrs) == 0 {
		res.Verdict, res.IPRev = NoPTR, IPRevPermError
		return res, true
	}
	names := make([]string, len(ptrs))
	for i, p := range ptrs {
		names[i] = canonical(p)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	res.PTR = names
	res.Names = make([]Name, len(names))
	for i, name := range names {
		n := Name{Name: name}
		fwd, err := fc.lookup(ctx, r, name, addr.Is6())
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return res, false
			}
			n.Verdict, n.Error, n.Forward = Error, err.Error(), []netip.Addr{}
		case len(fwd) == 0:
			n.Verdict, n.Forward = NoForward, []netip.Addr{}
		default:
			n.Forward = normalize(fwd)
			n.Verdict = Mismatch
			if slices.Contains(n.Forward, addr) {
				n.Verdict = Pass
			}
		}
		res.Names[i] = n
	}
	if len(names) > 1 {
		res.Verdict, res.IPRev = MultiPTR, IPRevFail
		for _, n := range res.Names {
			res.Forward = append(res.Forward, n.Forward...)
		}
		res.Forward = normalize(res.Forward)
		return res, true
	}
	n := res.Names[0]
	res.Verdict, res.Forward, res.Error = n.Verdict, n.Forward, n.Error
	switch n.Verdict {
	case Pass:
		res.IPRev = IPRevPass
	case Error:
		res.IPRev = IPRevTempError
	default:
		res.IPRev = IPRevFail
	}
	return res, true
}

// errorIPRev is temperror for temporary failures and permerror for the rest
// (an address or name no query can be made for).
func errorIPRev(err error) IPRev {
	if resolver.IsTemp(err) {
		return IPRevTempError
	}
	var fe *ForwardError
	if errors.As(err, &fe) {
		return IPRevFail
	}
	return IPRevPermError
}
