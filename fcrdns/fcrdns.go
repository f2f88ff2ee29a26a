// Package fcrdns checks forward-confirmed reverse DNS: that each address's PTR
// names a host whose A (IPv4) or AAAA (IPv6) records include the address.
//
// Verdicts are worded for mail operators and mapped to the RFC 8601 iprev
// results: a lookup that could not be completed is "error" (temperror),
// never a failed record.
//
// With a resolver.Client, a check runs as a chain of callbacks in the
// client's reader goroutines (PTR answer, forward lookups, next address);
// other Resolvers get a goroutine per lookup.
package fcrdns

import (
	"context"
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
	MultiPTR  Verdict = "multi-ptr"  // more than one PTR: a finding whatever the names do (iprev may pass)
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

// Summary counts results by verdict. Its JSON keys are the verdicts as the
// results spell them ("no-ptr"), beside "total".
type Summary struct {
	Total     int `json:"total"`
	Pass      int `json:"pass"`
	NoPTR     int `json:"no-ptr"`
	NoForward int `json:"no-forward"`
	Mismatch  int `json:"mismatch"`
	MultiPTR  int `json:"multi-ptr"`
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

// NothingVerified reports whether there were checks and every one of them
// ended in error: the run says nothing about the records.
func (s Summary) NothingVerified() bool { return s.Total > 0 && s.Error == s.Total }

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

// AliasError is ValidateForward's answer when the name resolves to the
// address, but through a CNAME: a PTR names the host itself (RFC 1912 §2.4).
type AliasError struct {
	Name      string
	Canonical string // the name at the end of the CNAME chain
	Addr      netip.Addr
}

func (e *AliasError) Error() string {
	return fmt.Sprintf("%s is an alias (CNAME) of %s: point the PTR of %s at the canonical name %s", e.Name, e.Canonical, e.Addr, e.Canonical)
}

// ValidateForward returns nil when name has an A (IPv4 addr) or AAAA (IPv6)
// record equal to addr. Otherwise it returns a *ForwardError saying what name
// resolves to, an *AliasError when name reaches addr through a CNAME (the
// resolver must be a resolver.Canonicalizer for ValidateForward to tell), or
// the lookup's error (resolver.IsTemp tells if it is temporary).
func ValidateForward(ctx context.Context, r resolver.Resolver, addr netip.Addr, name string) error {
	addr = addr.Unmap().WithZone("")
	name = canonical(name)
	var (
		fwd   []netip.Addr
		canon string
		err   error
	)
	if c, ok := r.(resolver.Canonicalizer); ok {
		fwd, canon, err = c.AddrsCanonical(ctx, name, addr.Is6())
	} else {
		fwd, err = r.Addrs(ctx, name, addr.Is6())
	}
	if err != nil {
		return fmt.Errorf("forward lookup of %s: %w", name, err)
	}
	fwd = normalize(fwd)
	if !slices.Contains(fwd, addr) {
		return &ForwardError{Name: name, Addr: addr, Forward: fwd}
	}
	if canon != "" && canon != name {
		return &AliasError{Name: name, Canonical: canon, Addr: addr}
	}
	return nil
}

// canonical lower-cases name and makes it fully qualified.
func canonical(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// normalize returns addresses unmapped, without zone, sorted and unique,
// never nil. It returns a itself when a already is so (a resolver's slice is
// never modified: it may be the resolver's own).
func normalize(a []netip.Addr) []netip.Addr {
	ok := a != nil
	for i, x := range a {
		if x.Is4In6() || x.Zone() != "" || i > 0 && a[i-1].Compare(x) >= 0 {
			ok = false
			break
		}
	}
	if ok {
		return a
	}
	out := make([]netip.Addr, len(a))
	for i, x := range a {
		out[i] = x.Unmap().WithZone("")
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// canonicalNames returns PTR names lower-case, fully qualified, sorted and
// unique, copying names only when they are not so already.
func canonicalNames(names []string) []string {
	ok := true
	for i, n := range names {
		if canonical(n) != n || i > 0 && names[i-1] >= n {
			ok = false
			break
		}
	}
	if ok {
		return names
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = canonical(n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// setName records the forward lookup of a PTR name of addr in n.
func setName(n *Name, addr netip.Addr, fwd []netip.Addr, err error) {
	switch {
	case err != nil:
		n.Verdict, n.Error, n.Forward = Error, err.Error(), []netip.Addr{}
	case len(fwd) == 0:
		n.Verdict, n.Forward = NoForward, []netip.Addr{}
	default:
		n.Forward = fwd // normalized by the cache, shared read-only
		n.Verdict = Mismatch
		if slices.Contains(fwd, addr) {
			n.Verdict = Pass
		}
	}
}

// conclude sets the verdict of a result whose names are all looked up.
func conclude(res *Result) {
	if len(res.Names) > 1 {
		// multi-ptr is a finding of its own (receivers pick one name at
		// random), whatever the names do; iprev follows RFC 8601 §3: pass
		// when any name's addresses include the address, temperror when
		// none does and a lookup failed (a retry may pass), else fail.
		res.Verdict, res.IPRev = MultiPTR, IPRevFail
		var all []netip.Addr
		for _, n := range res.Names {
			all = append(all, n.Forward...)
			switch {
			case n.Verdict == Pass:
				res.IPRev = IPRevPass
			case n.Verdict == Error && res.IPRev != IPRevPass:
				res.IPRev = IPRevTempError
			}
		}
		res.Forward = normalize(all)
		return
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
}

// errorIPRev is temperror for temporary failures and permerror for the rest
// (an address or name no query can be made for).
func errorIPRev(err error) IPRev {
	if resolver.IsTemp(err) {
		return IPRevTempError
	}
	return IPRevPermError
}
