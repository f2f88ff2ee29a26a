package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Server is a name server rdnsctl reads from and writes to.
type Server struct {
	Name    string // the config's name, used in every message
	Addr    string // host:port
	Key     *Key   // nil: unsigned
	Timeout time.Duration
}

func (s *Server) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 10 * time.Second
}

func (s *Server) String() string { return fmt.Sprintf("%s (%s)", s.Name, s.Addr) }

// Error is a server's refusal or failure, with what was asked of it.
type Error struct {
	Server string // name (address)
	Zone   string
	Op     string // "UPDATE", "AXFR", "SOA query"
	Rcode  int    // -1 when there was no answer
	TSIG   uint16 // the TSIG error of the answer (BADSIG, BADKEY, BADTIME), else 0
	First  netip.Addr
	Key    string // the key's name, for TSIG errors
	Err    error  // a transport error (timeout, connection refused)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s of zone %s on %s: ", e.Op, strings.TrimSuffix(e.Zone, "."), e.Server)
	switch {
	case e.TSIG == dns.RcodeBadSig:
		fmt.Fprintf(&b, "the server rejected the TSIG signature of %s (BADSIG): the secret is wrong", e.Key)
	case e.TSIG == dns.RcodeBadKey:
		fmt.Fprintf(&b, "the server does not know %s (BADKEY): check the key name and algorithm", e.Key)
	case e.TSIG == dns.RcodeBadTime:
		fmt.Fprintf(&b, "the server says the clocks differ too much (BADTIME): check this host's time")
	case e.Err != nil && isTimeout(e.Err):
		fmt.Fprintf(&b, "no answer (timeout)")
	case e.Err != nil:
		fmt.Fprintf(&b, "%v", e.Err)
	case e.Rcode == dns.RcodeNotAuth:
		if e.Op == "UPDATE" {
			fmt.Fprintf(&b, "NOTAUTH: the server is not authoritative for the zone, or %s may not update it", keyOrUnsigned(e.Key))
		} else {
			fmt.Fprintf(&b, "NOTAUTH: the server is not authoritative for the zone, or %s may not transfer it", keyOrUnsigned(e.Key))
		}
	case e.Rcode == dns.RcodeRefused:
		fmt.Fprintf(&b, "REFUSED: the server does not allow this for %s", keyOrUnsigned(e.Key))
	case e.Rcode == dns.RcodeServerFailure:
		fmt.Fprintf(&b, "SERVFAIL: the server could not do it (see its log)")
	case e.Rcode == dns.RcodeNotZone:
		fmt.Fprintf(&b, "NOTZONE: a name is outside the zone")
	case e.Rcode >= 0:
		fmt.Fprintf(&b, "%s", rcodeName(e.Rcode))
	}
	if e.First.IsValid() {
		fmt.Fprintf(&b, " (first address: %s)", e.First)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func keyOrUnsigned(k string) string {
	if k == "" {
		return "unsigned requests"
	}
	return k
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// ConflictError says that the zone no longer holds what the plan saw: a
// prerequisite failed, nothing of that message was applied.
type ConflictError struct {
	Server, Zone string
	Rcode        int
	Addrs        []netip.Addr // the addresses of the message whose prerequisite failed
	Names        []string     // owners without an address (NS at a delegation point)
}

func (e *ConflictError) Error() string {
	what := ""
	switch {
	case len(e.Addrs) > 0:
		what = e.Addrs[0].String()
		if len(e.Addrs) > 1 {
			what += fmt.Sprintf(" or one of %d other addresses of the same message", len(e.Addrs)-1)
		}
	case len(e.Names) > 0:
		what = e.Names[0]
	}
	return fmt.Sprintf("conflict in zone %s on %s: %s changed since it was read (prerequisite failed: %s); nothing of that message was applied, plan again",
		strings.TrimSuffix(e.Zone, "."), e.Server, what, rcodeName(e.Rcode))
}

// client makes a TCP client for the server, signing with its key.
func (s *Server) client() *dns.Client {
	c := &dns.Client{Net: "tcp", Timeout: s.timeout()}
	if s.Key != nil {
		c.TsigSecret = map[string]string{s.Key.Name: s.Key.Secret}
	}
	return c
}

func (s *Server) sign(m *dns.Msg) {
	if s.Key != nil {
		m.SetTsig(s.Key.Name, s.Key.Algorithm, 300, time.Now().Unix())
	}
}

func (s *Server) keyName() string {
	if s.Key == nil {
		return ""
	}
	return "key " + strings.TrimSuffix(s.Key.Name, ".")
}

// exchange sends m over TCP and returns the answer, or an *Error for a
// transport failure, a TSIG failure or an rcode other than NOERROR; a
// failed prerequisite (YXDOMAIN, YXRRSET, NXRRSET, NXDOMAIN of an UPDATE)
// comes back as the answer with a nil error, for the caller to word.
func (s *Server) exchange(ctx context.Context, m *dns.Msg, op, zone string) (*dns.Msg, error) {
	s.sign(m)
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	r, _, err := s.client().ExchangeContext(ctx, m, s.Addr)
	e := &Error{Server: s.String(), Zone: zone, Op: op, Rcode: -1, Key: s.keyName()}
	if r != nil {
		e.Rcode = r.Rcode
		if t := r.IsTsig(); t != nil && t.Error != 0 {
			e.TSIG = t.Error
			return nil, e
		}
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, ctx.Err()
		}
		if r != nil && (errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrTime)) {
			// the answer came unsigned or badly signed: the server did
			// not accept our signature
			e.TSIG = dns.RcodeBadSig
			if r.Rcode == dns.RcodeNotAuth {
				return nil, e
			}
		}
		e.Err = err
		return nil, e
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
		return r, nil
	case dns.RcodeYXDomain, dns.RcodeYXRrset, dns.RcodeNXRrset, dns.RcodeNameError:
		if op == "UPDATE" {
			return r, nil
		}
	}
	return nil, e
}

// Serial asks the server for the zone's SOA serial over TCP; authoritative
// is false when the server answered without the AA bit or without an SOA.
func (s *Server) Serial(ctx context.Context, zone string) (serial uint32, err error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	m.RecursionDesired = false
	r, err := s.exchange(ctx, m, "SOA query", zone)
	if err != nil {
		return 0, err
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok && r.Authoritative && strings.EqualFold(soa.Hdr.Name, dns.Fqdn(zone)) && soa.Hdr.Class == dns.ClassINET {
			return soa.Serial, nil
		}
	}
	return 0, &Error{Server: s.String(), Zone: zone, Op: "SOA query", Rcode: r.Rcode, Err: ErrNotAuthoritative}
}

// ErrNotAuthoritative is a server that answers for a zone without
// authority (no AA bit, or no SOA at the apex).
var ErrNotAuthoritative = errors.New("not authoritative (no SOA with the AA bit)")

// Lookup asks the server for the records of name and type (over TCP,
// without recursion) and returns their RDATA as the zone model keeps it:
// absolute, lower-case names for PTR, CNAME and NS.
func (s *Server) Lookup(ctx context.Context, name string, typ uint16) ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), typ)
	m.RecursionDesired = false
	r, err := s.exchange(ctx, m, dns.TypeToString[typ]+" query", name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range r.Answer {
		h := rr.Header()
		if h.Rrtype != typ || h.Class != dns.ClassINET || !strings.EqualFold(h.Name, dns.Fqdn(name)) {
			continue
		}
		out = append(out, strings.ToLower(strings.TrimPrefix(rr.String(), h.String())))
	}
	return out, nil
}
