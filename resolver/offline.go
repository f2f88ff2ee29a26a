package resolver

import (
	"context"
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Offline answers every lookup from loaded zones, with no network at all, so
// that CI can check a zone change before it is deployed. Reverse lookups use
// the reverse zones (following RFC 2317 CNAMEs into loaded child zones);
// forward lookups use every loaded zone, forward or reverse. A name inside a
// loaded zone without the records asked for is NXDOMAIN or NODATA (nil, nil),
// as the zone's server would answer; a name or address that no loaded zone
// covers is a TempError: offline, the answer is unknown.
type Offline struct {
	set  *zoneset.Set
	once sync.Once
	fwd  map[string][]fwdRec
}

type fwdRec struct {
	typ  uint16
	data string
}

// NewOffline makes a resolver over the zones of s (reverse and forward).
func NewOffline(s *zoneset.Set) *Offline { return &Offline{set: s} }

// Close implements the closing side of a resolver; there is nothing to close.
func (o *Offline) Close() error { return nil }

// PTR implements Resolver.
func (o *Offline) PTR(_ context.Context, addr netip.Addr) ([]string, error) {
	l := o.set.Lookup(addr.Unmap())
	switch l.Status {
	case zoneset.Unmanaged:
		return nil, &TempError{Cause: "offline: no loaded zone covers " + addr.String()}
	case zoneset.Delegated:
		return nil, &TempError{Cause: "offline: " + addr.String() + " is delegated (" + l.Cut + ") to a zone that is not loaded"}
	}
	var out []string
	for _, i := range l.PTRs {
		if r := &l.Zone.Records[i]; inClass(r.Class) {
			out = append(out, strings.ToLower(r.Data))
		}
	}
	return out, nil
}

// Addrs implements Resolver.
func (o *Offline) Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error) {
	a, _, err := o.AddrsCanonical(ctx, name, v6)
	return a, err
}

// AddrsCanonical implements Canonicalizer.
func (o *Offline) AddrsCanonical(_ context.Context, name string, v6 bool) ([]netip.Addr, string, error) {
	o.once.Do(o.index)
	want := dns.TypeA
	if v6 {
		want = dns.TypeAAAA
	}
	n := strings.ToLower(dns.Fqdn(name))
	for depth := 0; depth <= maxCNAME; depth++ {
		if o.set.ZoneOfName(n) == nil {
			return nil, "", &TempError{Cause: "offline: no loaded zone holds " + n}
		}
		recs := o.fwd[n]
		var out []netip.Addr
		cname := ""
		for _, r := range recs {
			switch r.typ {
			case want:
				if a, err := netip.ParseAddr(r.data); err == nil {
					out = append(out, a)
				}
			case dns.TypeCNAME:
				cname = r.data
			}
		}
		if len(out) > 0 || cname == "" {
			canon := ""
			if depth > 0 {
				canon = n
			}
			return out, canon, nil
		}
		if cname = strings.ToLower(cname); cname == n {
			return nil, "", &TempError{Cause: "offline: CNAME loop at " + n}
		}
		n = cname
	}
	return nil, "", &TempError{Cause: "offline: CNAME chain too long at " + name}
}

func (o *Offline) index() {
	o.fwd = map[string][]fwdRec{}
	for _, z := range o.set.Zones {
		for _, r := range z.Records {
			if !inClass(r.Class) {
				continue
			}
			switch r.Type {
			case dns.TypeA, dns.TypeAAAA, dns.TypeCNAME:
				o.fwd[r.Name] = append(o.fwd[r.Name], fwdRec{r.Type, r.Data})
			}
		}
	}
}

// inClass reports whether a zone record's class is IN (0: the file did not
// say, which is IN).
func inClass(c uint16) bool { return c == 0 || c == dns.ClassINET }
