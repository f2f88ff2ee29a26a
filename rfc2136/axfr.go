package rfc2136

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/zonefile"
)

// Source is the display name of a zone read from a server:
// axfr://NAME/ORIGIN. It stands where a zone file's path stands, so that
// every record of such a zone says where it came from.
func Source(server, origin string) string {
	return "axfr://" + server + "/" + strings.ToLower(dns.Fqdn(origin))
}

// Transfer reads the zone by AXFR (over TCP, signed when the server has a
// key) into the same model as a zone file: the records are laid out as
// rdnsctl emits a zone and read back by the zone-file reader, so that
// names, TTLs and RDATA are normalised exactly as for a file, and each
// record's line in that layout is its provenance.
func Transfer(ctx context.Context, s *Server, origin string) (*zonefile.Zone, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	fail := func(rcode int, err error) error {
		return &Error{Server: s.String(), Zone: origin, Op: "AXFR", Rcode: rcode, Key: s.keyName(), Err: err}
	}
	d := net.Dialer{Timeout: s.timeout()}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, fail(-1, err)
	}
	t := &dns.Transfer{Conn: &dns.Conn{Conn: conn}, ReadTimeout: s.timeout(), WriteTimeout: s.timeout()}
	if s.Key != nil {
		t.TsigSecret = map[string]string{s.Key.Name: s.Key.Secret}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	m := new(dns.Msg)
	m.SetAxfr(origin)
	s.sign(m)
	ch, err := t.In(m, s.Addr)
	if err != nil {
		return nil, fail(-1, err)
	}
	var records []zonefile.Record
	var soaTTL uint32
	for env := range ch {
		if env.Error != nil {
			for range ch { // drain: In's goroutine closes the channel
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var rc int
			if _, err := fmt.Sscanf(env.Error.Error(), "dns: bad xfr rcode: %d", &rc); err == nil {
				e := fail(rc, nil).(*Error)
				if rc == dns.RcodeNotAuth {
					e.TSIG = tsigOf(env.RR)
				}
				return nil, e
			}
			if env.Error == dns.ErrAuth || env.Error == dns.ErrSig || env.Error == dns.ErrSecret {
				// the TSIG error code is not passed up with the error:
				// a signed SOA query tells which it is
				if _, err := s.Serial(ctx, origin); err != nil {
					if e, ok := err.(*Error); ok && e.TSIG != 0 {
						e.Op = "AXFR"
						return nil, e
					}
				}
			}
			return nil, fail(-1, env.Error)
		}
		for _, rr := range env.RR {
			h := rr.Header()
			if h.Rrtype == dns.TypeTSIG || h.Class != dns.ClassINET {
				continue
			}
			if h.Rrtype == dns.TypeSOA {
				if len(records) > 0 {
					continue // the closing SOA
				}
				soaTTL = h.Ttl
			}
			records = append(records, zonefile.Record{
				Name:  strings.ToLower(h.Name),
				TTL:   h.Ttl,
				Class: dns.ClassINET,
				Type:  h.Rrtype,
				Data:  strings.TrimPrefix(rr.String(), h.String()),
			})
		}
	}
	if len(records) == 0 || records[0].Type != dns.TypeSOA {
		return nil, fail(-1, fmt.Errorf("the transfer did not start with the zone's SOA"))
	}
	name := Source(s.Name, origin)
	z, err := zonefile.ParseBytes(zonefile.Emit(origin, soaTTL, records), name, zonefile.Options{Origin: origin})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return z, nil
}

func tsigOf(rrs []dns.RR) uint16 {
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TSIG); ok {
			return t.Error
		}
	}
	return 0
}
