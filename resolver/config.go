package resolver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// Config configures a Client. The zero value (plus Servers) is usable.
type Config struct {
	// Servers are the name servers to ask, as IP[:PORT] ("192.0.2.53",
	// "127.0.0.1:5300", "[2001:db8::53]:53", "2001:db8::53"); the default port is
	// 53. Host names are rejected: resolving them would itself need DNS.
	// Empty means the nameserver lines of /etc/resolv.conf.
	Servers []string
	// Timeout is how long one attempt waits for an answer (default 2s).
	Timeout time.Duration
	// Retries is how many times a query is sent again, to the next server in
	// turn, after a timeout, SERVFAIL, REFUSED or network error.
	// 0 means the default (2); a negative value means no retries.
	Retries int
	// Backoff is the pause before the first retry; it doubles for each
	// further retry, up to one second (default 20ms; negative means none).
	Backoff time.Duration
	// QPS caps the queries sent per second by all callers together
	// (0 means no limit).
	QPS float64
	// UDPSize is the EDNS0 UDP payload size advertised (default 1232).
	UDPSize uint16
	// Sockets is the number of UDP sockets per server, each carrying many
	// outstanding queries and read by its own goroutine (default 1). More
	// spread the work over more of a server's threads (servers tell
	// sockets apart, not queries) but split our batches: one socket is the
	// fastest against a local server.
	Sockets int
	// MaxInFlight bounds the queries outstanding at once over all servers
	// (default 8192, at most 32768); further queries wait their turn.
	MaxInFlight int
}

const (
	defaultTimeout     = 2 * time.Second
	defaultRetries     = 2
	defaultBackoff     = 20 * time.Millisecond
	maxBackoff         = time.Second
	defaultUDPSize     = 1232
	defaultSockets     = 1
	defaultMaxInFlight = 8192
	// maxCNAME is the longest CNAME chain followed, within one answer and
	// across the queries made for one lookup.
	maxCNAME = 8
)

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	switch {
	case c.Retries == 0:
		c.Retries = defaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	switch {
	case c.Backoff == 0:
		c.Backoff = defaultBackoff
	case c.Backoff < 0:
		c.Backoff = 0
	}
	if c.UDPSize < 512 {
		c.UDPSize = defaultUDPSize
	}
	if c.Sockets <= 0 {
		c.Sockets = defaultSockets
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = defaultMaxInFlight
	}
	// Each socket must keep some of its 65536 message IDs free.
	c.MaxInFlight = min(c.MaxInFlight, 32768)
	return c
}

// ParseServer parses IP[:PORT] (an IPv6 address with a port in brackets) into
// an address and port, 53 when none is given.
func ParseServer(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return netip.AddrPort{}, fmt.Errorf("name server %q: port 0", s)
		}
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a.Unmap(), 53), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = s, "53"
		if len(s) > 1 && s[0] == '[' && s[len(s)-1] == ']' {
			host = s[1 : len(s)-1]
		}
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("name server %q: not an IP address", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return netip.AddrPort{}, fmt.Errorf("name server %q: bad port %q", s, port)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(p)), nil
}

// ServersFromResolvConf returns the name servers of a resolv.conf file
// (normally /etc/resolv.conf) as IP:PORT strings.
func ServersFromResolvConf(path string) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(cc.Servers) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoServers)
	}
	out := make([]string, 0, len(cc.Servers))
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out, nil
}

var errNoServers = errors.New("no name servers")
