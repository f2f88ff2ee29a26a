package zonefile

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Record types and the class rdnsctl works with, so that packages above
// zonefile need not import miekg/dns (only zonefile and resolver do).
const (
	TypeA     = dns.TypeA
	TypeNS    = dns.TypeNS
	TypeCNAME = dns.TypeCNAME
	TypeSOA   = dns.TypeSOA
	TypePTR   = dns.TypePTR
	TypeAAAA  = dns.TypeAAAA
	ClassINET = dns.ClassINET

	TypeMX    = dns.TypeMX
	TypeDNAME = dns.TypeDNAME
	TypeRRSIG = dns.TypeRRSIG
	TypeNSEC  = dns.TypeNSEC
	TypeKEY   = dns.TypeKEY
	TypeSIG   = dns.TypeSIG
	TypeNXT   = dns.TypeNXT
	TypeSRV   = dns.TypeSRV
)

// TypeFromString returns the type code of a mnemonic ("PTR").
func TypeFromString(s string) (uint16, bool) {
	t, ok := dns.StringToType[strings.ToUpper(s)]
	return t, ok
}

// TypeString returns the mnemonic of a type code ("PTR"), or TYPEnnn.
func TypeString(t uint16) string { return typeString(t) }

// Fqdn returns name, lower-cased, with its final dot.
func Fqdn(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// SOA is the RDATA of an SOA record.
type SOA struct {
	MName, RName                            string
	Serial, Refresh, Retry, Expire, Minimum uint32
}

// ParseSOA reads SOA RDATA in presentation form (Record.Data of an SOA).
func ParseSOA(data string) (SOA, error) {
	rr, err := dns.NewRR(". 0 IN SOA " + data)
	if err != nil {
		return SOA{}, fmt.Errorf("SOA %q: %w", data, err)
	}
	s := rr.(*dns.SOA)
	return SOA{MName: s.Ns, RName: s.Mbox, Serial: s.Serial, Refresh: s.Refresh, Retry: s.Retry, Expire: s.Expire, Minimum: s.Minttl}, nil
}

// Data renders the SOA as Record.Data.
func (s SOA) Data() string {
	return fmt.Sprintf("%s %s %d %d %d %d %d", Fqdn(s.MName), Fqdn(s.RName), s.Serial, s.Refresh, s.Retry, s.Expire, s.Minimum)
}
