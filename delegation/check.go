package delegation

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/resolver"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Asker asks DNS what the check needs: the addresses of a name server's
// name (through the resolver pool, recursively) and one server's own
// answer for a zone's SOA. *resolver.Client is one.
type Asker interface {
	Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error)
	SOAAt(ctx context.Context, server netip.AddrPort, zone string) (resolver.Authority, error)
}

// Verdict on a name server address, or on a delegation point.
type Verdict string

const (
	// OK: the server answers for the child zone with its SOA and the AA bit.
	OK Verdict = "ok"
	// Lame: it does not (refused, servfail, nxdomain, a referral or another
	// zone's answer, no answer at all), or the NS name has no address.
	Lame Verdict = "lame"
	// Unknown: the check could not be made (the NS name's own lookup
	// failed, the address cannot be reached from here, the run was
	// cancelled). No verdict on the delegation.
	Unknown Verdict = "unknown"
)

// CheckOptions tune Check.
type CheckOptions struct {
	// Port is the port name servers are asked on (0: 53). Labs and tests
	// run their servers elsewhere.
	Port uint16
	// Workers bounds the questions asked at once (0: 256).
	Workers int
	// Addrs gives the addresses the loaded zones hold for a name outside
	// the point's parent zone (ZoneAddrs); nil: none. A name with
	// addresses in the zones is not looked up.
	Addrs map[string][]netip.Addr
	// Progress counts the delegation points checked.
	Progress rdns.Progress
}

// Server is the verdict on one name server address (or on an NS name
// without one: Addr is then invalid).
type Server struct {
	NS   string
	Addr netip.AddrPort
	// FromZones says the address came from the loaded zones (glue), not
	// from DNS.
	FromZones bool
	Verdict   Verdict
	Reason    string
}

// Result is the verdict on one delegation point.
type Result struct {
	Point   Point
	Verdict Verdict
	// Reason says which name servers are lame and why, e.g. "1 of 2 name
	// servers lame: ns2.example.net. 192.0.2.53: refused"; for Unknown, what
	// could not be checked. "" when OK.
	Reason string
	// Lame lists the lame NS names, in zone order.
	Lame []string
	// Servers holds a verdict per NS address, in NS order, then address
	// order.
	Servers []Server
}

const defaultWorkers = 256

// Check asks each name server of each point, at each of its addresses, for
// the SOA of the point's child zone (the owner: a nibble zone, an RFC 2317
// child such as 0-25.2.0.192.in-addr.arpa., a whole octet) without
// recursion. A name server's addresses are the glue of the point's parent
// zone, else those the loaded zones hold (CheckOptions.Addrs), else its A
// and AAAA records through the asker. The results are in the order of
// points.
func Check(ctx context.Context, points []Point, asker Asker, opts CheckOptions) []Result {
	port := opts.Port
	if port == 0 {
		port = 53
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = defaultWorkers
	}
	// The addresses of every NS name, each name looked up once.
	type addrs struct {
		list      []netip.Addr
		fromZones bool
		err       error // the lookup failed: no verdict
	}
	known := map[string]*addrs{}
	var lookups []string
	for i := range points {
		p := &points[i]
		for _, ns := range p.NS {
			if g := p.Glue[ns]; len(g) > 0 {
				continue // the point's own glue; per point
			}
			if _, ok := known[ns]; ok {
				continue
			}
			a := &addrs{}
			known[ns] = a
			if z := opts.Addrs[ns]; len(z) > 0 {
				a.list, a.fromZones = z, true
				continue
			}
			lookups = append(lookups, ns)
		}
	}
	run(workers, len(lookups), func(i int) {
		ns := lookups[i]
		a := known[ns]
		var errs []error
		for _, v6 := range []bool{false, true} {
			got, err := asker.Addrs(ctx, ns, v6)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			a.list = append(a.list, got...)
		}
		if len(a.list) == 0 && len(errs) > 0 {
			a.err = errs[0]
		}
		slices.SortFunc(a.list, netip.Addr.Compare)
		a.list = slices.Compact(a.list)
	})

	results := make([]Result, len(points))
	type question struct{ point, server int }
	var questions []question
	for i := range points {
		p := &points[i]
		r := &results[i]
		r.Point = *p
		for _, ns := range p.NS {
			var a addrs
			if g := p.Glue[ns]; len(g) > 0 {
				a = addrs{list: g, fromZones: true}
			} else {
				a = *known[ns]
			}
			switch {
			case a.err != nil:
				r.Servers = append(r.Servers, Server{NS: ns, Verdict: Unknown, Reason: "address lookup failed: " + a.err.Error()})
			case len(a.list) == 0:
				r.Servers = append(r.Servers, Server{NS: ns, Verdict: Lame, Reason: "no address for the NS name"})
			}
			for _, ip := range a.list {
				questions = append(questions, question{i, len(r.Servers)})
				r.Servers = append(r.Servers, Server{NS: ns, Addr: netip.AddrPortFrom(ip.Unmap(), port), FromZones: a.fromZones})
			}
		}
	}
	// Progress counts points: a point is done when its last question is.
	left := make([]int, len(points))
	for _, q := range questions {
		left[q.point]++
	}
	var mu sync.Mutex
	for i := range points {
		if left[i] == 0 {
			rdns.Tick(opts.Progress, 1)
		}
	}
	run(workers, len(questions), func(k int) {
		q := questions[k]
		r := &results[q.point]
		s := &r.Servers[q.server]
		auth, err := asker.SOAAt(ctx, s.Addr, r.Point.Owner)
		s.Verdict, s.Reason = judge(auth, err)
		mu.Lock()
		left[q.point]--
		done := left[q.point] == 0
		mu.Unlock()
		if done {
			rdns.Tick(opts.Progress, 1)
		}
	})
	for i := range results {
		summarize(&results[i])
	}
	return results
}

// run calls f(0..n-1) from at most workers goroutines.
func run(workers, n int, f func(int)) {
	if n == 0 {
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// judge turns a server's answer into a verdict and its reason.
func judge(a resolver.Authority, err error) (Verdict, string) {
	if err != nil {
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return Unknown, "not checked: " + err.Error()
		case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
			// This host cannot reach the address (no IPv6 route): that
			// says nothing about the server.
			return Unknown, "unreachable from here: " + err.Error()
		}
		var te *resolver.TempError
		if errors.As(err, &te) {
			if strings.Contains(te.Cause, "timeout") {
				return Lame, "timeout: no answer (" + te.Cause + ")"
			}
			return Lame, "no answer: " + te.Cause
		}
		return Lame, "no answer: " + err.Error()
	}
	switch rc := a.RcodeText(); rc {
	case "NOERROR":
	case "REFUSED", "SERVFAIL":
		return Lame, strings.ToLower(rc)
	case "NXDOMAIN":
		if a.OtherSOA != "" {
			return Lame, "nxdomain (from zone " + a.OtherSOA + ")"
		}
		return Lame, "nxdomain"
	default:
		return Lame, strings.ToLower(rc)
	}
	switch {
	case a.Authoritative():
		return OK, ""
	case a.AA && a.OtherSOA != "":
		return Lame, "not authoritative: answers from zone " + a.OtherSOA
	case a.AA:
		return Lame, "not authoritative: no SOA for the zone in its answer"
	case a.Referral != "":
		return Lame, "not authoritative: referral to " + a.Referral
	case a.SOA:
		return Lame, "not authoritative: answer without the AA bit (a recursive resolver?)"
	}
	return Lame, "not authoritative: no AA bit, no data"
}

// summarize sets the point's verdict and reason from its servers'.
func summarize(r *Result) {
	var lame, unknown []string
	var lameWhy, unknownWhy []string
	for _, s := range r.Servers {
		what := s.NS
		if s.Addr.IsValid() {
			what += " " + serverText(s.Addr)
		}
		switch s.Verdict {
		case Lame:
			if !slices.Contains(lame, s.NS) {
				lame = append(lame, s.NS)
			}
			lameWhy = append(lameWhy, what+": "+s.Reason)
		case Unknown:
			if !slices.Contains(unknown, s.NS) {
				unknown = append(unknown, s.NS)
			}
			unknownWhy = append(unknownWhy, what+": "+s.Reason)
		}
	}
	n := len(r.Point.NS)
	noun := "name servers"
	if n == 1 {
		noun = "name server"
	}
	switch {
	case len(lame) > 0:
		r.Verdict, r.Lame = Lame, lame
		r.Reason = fmt.Sprintf("%d of %d %s lame: %s", len(lame), n, noun, strings.Join(lameWhy, "; "))
	case len(unknown) > 0:
		r.Verdict = Unknown
		r.Reason = fmt.Sprintf("%d of %d %s not checked: %s", len(unknown), n, noun, strings.Join(unknownWhy, "; "))
	default:
		r.Verdict = OK
	}
}

// serverText is the address asked, with its port when it is not 53.
func serverText(ap netip.AddrPort) string {
	if ap.Port() == 53 {
		return ap.Addr().String()
	}
	return ap.String()
}

// ZoneAddrs lists the A and AAAA records of every loaded zone by owner
// (lower case, absolute): the addresses of name servers the zones hold
// themselves, looked up there before DNS.
func ZoneAddrs(s *zoneset.Set) map[string][]netip.Addr {
	out := map[string][]netip.Addr{}
	for _, z := range s.Zones {
		for i := range z.Records {
			r := &z.Records[i]
			if r.Type != zonefile.TypeA && r.Type != zonefile.TypeAAAA {
				continue
			}
			a, err := netip.ParseAddr(r.Data)
			if err != nil {
				continue
			}
			name := strings.ToLower(r.Name)
			if !slices.Contains(out[name], a.Unmap()) {
				out[name] = append(out[name], a.Unmap())
			}
		}
	}
	return out
}
