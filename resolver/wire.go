package resolver

import (
	"encoding/binary"
	"errors"

	"github.com/miekg/dns"
)

// The hot path packs queries and reads answers itself, on the call's own
// buffers, instead of through dns.Msg: a PTR check then costs no allocation
// beyond the strings and addresses returned. miekg/dns still packs names
// given as text and turns wire names back into text.

const (
	headerLen = 12
	optLen    = 11 // root name, type OPT, class = UDP size, TTL, RDLENGTH 0
	maxName   = 255
	// maxPointers bounds compression pointers followed in one name.
	maxPointers = 64
)

var (
	errShort   = errors.New("message truncated")
	errBadName = errors.New("bad domain name in message")
)

// appendName appends the lower-cased wire form of the presentation-format
// name (made fully qualified) to dst.
func appendName(dst []byte, name string) ([]byte, error) {
	if name == "" || name[len(name)-1] != '.' {
		name += "."
	}
	start := len(dst)
	var buf [maxName + 1]byte
	n, err := dns.PackDomainName(name, buf[:], 0, nil, false)
	if err != nil {
		return dst, err
	}
	dst = append(dst, buf[:n]...)
	lower(dst[start:])
	return dst, nil
}

// lower lower-cases ASCII letters in a wire name in place. Label lengths
// (at most 63) never fall in 'A'..'Z', so the whole name can be folded.
func lower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// nameText turns an uncompressed wire name into presentation format (as
// dns.UnpackDomainName does), with one allocation for host names.
func nameText(wire []byte) (string, error) {
	var buf [maxName + 1]byte
	out := buf[:0]
	for i := 0; i < len(wire); {
		c := int(wire[i])
		if c == 0 {
			if len(out) == 0 {
				return ".", nil
			}
			return string(out), nil
		}
		if c > 63 || i+1+c > len(wire) {
			break
		}
		for _, b := range wire[i+1 : i+1+c] {
			if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_' || 'A' <= b && b <= 'Z') {
				goto slow // needs escaping
			}
		}
		out = append(out, wire[i+1:i+1+c]...)
		out = append(out, '.')
		i += 1 + c
	}
slow:
	s, _, err := dns.UnpackDomainName(wire, 0)
	return s, err
}

// buildQuery writes a query for qname (wire form) and qtype into q (which must
// have room for headerLen+maxName+4+optLen bytes) and returns its length.
// The ID (q[0:2]) is set per attempt. udpSize 0 leaves out EDNS0. rd sets
// the RD bit: harmless to authoritative servers, needed by recursive ones;
// a question about what one server itself holds goes without it.
func buildQuery(q []byte, qname []byte, qtype uint16, udpSize uint16, rd bool) int {
	clear(q[:headerLen])
	if rd {
		q[2] = 0x01
	}
	q[5] = 1 // QDCOUNT
	n := headerLen + copy(q[headerLen:], qname)
	binary.BigEndian.PutUint16(q[n:], qtype)
	binary.BigEndian.PutUint16(q[n+2:], dns.ClassINET)
	n += 4
	if udpSize > 0 {
		q[11] = 1 // ARCOUNT
		q[n] = 0
		binary.BigEndian.PutUint16(q[n+1:], dns.TypeOPT)
		binary.BigEndian.PutUint16(q[n+3:], udpSize)
		clear(q[n+5 : n+optLen])
		n += optLen
	}
	return n
}

// questionLen returns the length of the question section of query q.
func questionLen(q []byte) int {
	i := headerLen
	for q[i] != 0 {
		i += int(q[i]) + 1
	}
	return i + 1 + 4 - headerLen
}

// matches reports whether resp answers query q: same ID, QR set, same
// question (names compared case-insensitively). Servers may leave the question
// out of an error response; one with the right ID and an error RCODE counts.
func matches(resp, q []byte, qlen int) bool {
	if len(resp) < headerLen || resp[0] != q[0] || resp[1] != q[1] || resp[2]&0x80 == 0 {
		return false
	}
	qd := binary.BigEndian.Uint16(resp[4:])
	if qd == 0 {
		return resp[3]&0x0f != dns.RcodeSuccess
	}
	if qd != 1 || len(resp) < headerLen+qlen {
		return false
	}
	a, b := resp[headerLen:headerLen+qlen], q[headerLen:headerLen+qlen]
	for i := range a {
		x, y := a[i], b[i]
		if x != y && !('A' <= x && x <= 'Z' && x+'a'-'A' == y) {
			return false
		}
	}
	return true
}

// rr locates one resource record of the answer section.
type rr struct {
	owner int // offset of the owner name
	typ   uint16
	class uint16
	rdoff int // offset and length of the RDATA
	rdlen int
}

// response is a parsed view of a DNS response held in msg.
type response struct {
	msg     []byte
	rcode   int
	tc      bool
	qd      int  // QDCOUNT: matches accepts an error response without a question
	answers []rr // answer section (reused between parses)
	authSOA bool // the authority section holds an SOA (a negative answer)
	authNS  bool // it holds NS records
	authAns bool // AA bit
}

// parse reads the header, skips the question, and indexes the answer and
// authority sections of msg. It checks lengths, not semantics.
func (r *response) parse(msg []byte) error {
	r.msg = msg
	r.answers = r.answers[:0]
	r.authSOA, r.authNS = false, false
	if len(msg) < headerLen {
		return errShort
	}
	flags := binary.BigEndian.Uint16(msg[2:])
	r.rcode = int(flags & 0x0f)
	r.tc = flags&0x0200 != 0
	r.authAns = flags&0x0400 != 0
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	r.qd = qd
	an := int(binary.BigEndian.Uint16(msg[6:]))
	ns := int(binary.BigEndian.Uint16(msg[8:]))
	off := headerLen
	var err error
	for range qd {
		if off, err = skipName(msg, off); err != nil {
			return err
		}
		if off += 4; off > len(msg) {
			return errShort
		}
	}
	for i := range an + ns {
		owner := off
		if off, err = skipName(msg, off); err != nil {
			return err
		}
		if off+10 > len(msg) {
			return errShort
		}
		typ := binary.BigEndian.Uint16(msg[off:])
		class := binary.BigEndian.Uint16(msg[off+2:])
		rdlen := int(binary.BigEndian.Uint16(msg[off+8:]))
		off += 10
		if off+rdlen > len(msg) {
			return errShort
		}
		if i < an {
			r.answers = append(r.answers, rr{owner: owner, typ: typ, class: class, rdoff: off, rdlen: rdlen})
		} else if class == dns.ClassINET {
			switch typ {
			case dns.TypeSOA:
				r.authSOA = true
			case dns.TypeNS:
				r.authNS = true
			}
		}
		off += rdlen
	}
	return nil
}

// referral reports whether an answer without data is a referral (the server
// is neither authoritative for the name nor recursive) rather than NODATA.
func (r *response) referral() bool {
	return r.rcode == dns.RcodeSuccess && !r.authAns && r.authNS && !r.authSOA
}

// skipName returns the offset just past the (possibly compressed) name at off.
func skipName(msg []byte, off int) (int, error) {
	for {
		if off >= len(msg) {
			return 0, errShort
		}
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				return off + 1, nil
			}
			off += c + 1
		case 0xc0:
			if off+2 > len(msg) {
				return 0, errShort
			}
			return off + 2, nil
		default:
			return 0, errBadName
		}
	}
}

// readName appends the uncompressed, lower-cased wire form of the name at off
// in msg to dst.
func readName(dst, msg []byte, off int) ([]byte, error) {
	start := len(dst)
	for ptrs := 0; ; {
		if off >= len(msg) {
			return dst, errShort
		}
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if off+c+1 > len(msg) {
				return dst, errShort
			}
			dst = append(dst, msg[off:off+c+1]...)
			if len(dst)-start > maxName {
				return dst, errBadName
			}
			if c == 0 {
				lower(dst[start:])
				return dst, nil
			}
			off += c + 1
		case 0xc0:
			if off+2 > len(msg) {
				return dst, errShort
			}
			if ptrs++; ptrs > maxPointers {
				return dst, errBadName
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
		default:
			return dst, errBadName
		}
	}
}

// rdataName appends the lower-cased wire form of the name that is the RDATA
// of a (a CNAME or PTR target) to dst. The name must lie within the record:
// compression pointers may reach back into the message, not past the record.
func rdataName(dst, msg []byte, a rr) ([]byte, error) {
	if a.rdlen == 0 {
		return dst, errShort
	}
	return readName(dst, msg[:a.rdoff+a.rdlen], a.rdoff)
}

// nameIs reports whether the name at off in msg equals want (a lower-case
// uncompressed wire name), ignoring case.
func nameIs(msg []byte, off int, want []byte) bool {
	pos := 0
	for ptrs := 0; ; {
		if off >= len(msg) || pos >= len(want) {
			return false
		}
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if int(want[pos]) != c || off+c+1 > len(msg) || pos+c+1 > len(want) {
				return false
			}
			if c == 0 {
				return pos+1 == len(want)
			}
			for i := 1; i <= c; i++ {
				x := msg[off+i]
				if 'A' <= x && x <= 'Z' {
					x += 'a' - 'A'
				}
				if x != want[pos+i] {
					return false
				}
			}
			pos += c + 1
			off += c + 1
		case 0xc0:
			if off+2 > len(msg) {
				return false
			}
			if ptrs++; ptrs > maxPointers {
				return false
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
		default:
			return false
		}
	}
}

// hasName reports whether the concatenated wire names in list include name.
func hasName(list, name []byte) bool {
	for len(list) > 0 {
		n := wireLen(list)
		if string(list[:n]) == string(name) {
			return true
		}
		list = list[n:]
	}
	return false
}

// lastName returns the last of the concatenated wire names in list.
func lastName(list []byte) []byte {
	for {
		n := wireLen(list)
		if n == len(list) {
			return list
		}
		list = list[n:]
	}
}

// wireLen returns the length of the uncompressed wire name at the start of b.
func wireLen(b []byte) int {
	i := 0
	for b[i] != 0 {
		i += int(b[i]) + 1
	}
	return i + 1
}
