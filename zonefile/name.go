package zonefile

import (
	"errors"
	"strconv"
	"strings"
)

// Domain names are kept in one canonical presentation form: absolute (with
// the final dot), ASCII lower-case, and escaped the way miekg/dns prints
// names (a backslash before . space ' @ ; ( ) " \ and \DDD for bytes outside
// the printable range), so that names parsed here and names printed by
// miekg/dns compare equal as strings.

const (
	maxLabelLen = 63
	maxNameWire = 255
)

var (
	errEmptyLabel  = errors.New("empty label")
	errLabelLong   = errors.New("label longer than 63 octets")
	errNameLong    = errors.New("name longer than 255 octets")
	errBadEscape   = errors.New("bad escape")
	errNoOrigin    = errors.New("relative name and no origin")
	errEmptyName   = errors.New("empty name")
	errBadNameChar = errors.New("name contains a character that is not allowed")
)

// isSpecialNameByte reports the bytes that are escaped with a backslash in the
// canonical form (miekg/dns isDomainNameLabelSpecial).
func isSpecialNameByte(b byte) bool {
	switch b {
	case '.', ' ', '\'', '@', ';', '(', ')', '"', '\\':
		return true
	}
	return false
}

// plainNameByte is true for bytes that appear as themselves in both the input
// and the canonical form, once lower-cased.
var plainNameByte = func() (t [256]bool) {
	for b := 0x21; b < 0x7f; b++ {
		if !isSpecialNameByte(byte(b)) {
			t[b] = true
		}
	}
	return t
}()

// appendName appends the canonical absolute form of the presentation-format
// name text to dst, resolving a relative name against origin (canonical,
// absolute; "" when unknown). "@" is the origin.
func appendName(dst []byte, text []byte, origin string) ([]byte, error) {
	if len(text) == 0 {
		return dst, errEmptyName
	}
	if len(text) == 1 && text[0] == '@' {
		if origin == "" {
			return dst, errNoOrigin
		}
		return append(dst, origin...), nil
	}
	if len(text) == 1 && text[0] == '.' {
		return append(dst, '.'), nil
	}
	// Fast path: no escapes, only plain bytes and dots: copied, then
	// checked and lower-cased in place; anything else goes to the slow
	// path.
	start := len(dst)
	dst = append(dst, text...)
	seg := dst[start:]
	labelStart := 0
	wire := 1 // the root label
	for i, c := range seg {
		switch nameClass[c] {
		case ncPlain:
		case ncUpper:
			seg[i] = c + 'a' - 'A'
		case ncDot:
			n := i - labelStart
			if n == 0 {
				return dst[:start], errEmptyLabel
			}
			if n > maxLabelLen {
				return dst[:start], errLabelLong
			}
			wire += n + 1
			labelStart = i + 1
		default:
			return appendNameSlow(dst[:start], text, origin)
		}
	}
	if seg[len(seg)-1] != '.' {
		n := len(seg) - labelStart
		if n > maxLabelLen {
			return dst[:start], errLabelLong
		}
		wire += n + 1
		if origin == "" {
			return dst[:start], errNoOrigin
		}
		dst = append(dst, '.')
		if origin != "." {
			dst = append(dst, origin...)
			wire += nameWireLen(origin) - 1
		}
	}
	if wire > maxNameWire {
		return dst[:start], errNameLong
	}
	return dst, nil
}

const (
	ncPlain = iota
	ncUpper
	ncDot
	ncOther
)

// nameClass sorts the bytes of a name for the fast path.
var nameClass = func() (t [256]uint8) {
	for i := range t {
		b := byte(i)
		switch {
		case b == '.':
			t[i] = ncDot
		case 'A' <= b && b <= 'Z':
			t[i] = ncUpper
		case plainNameByte[b]:
			t[i] = ncPlain
		default:
			t[i] = ncOther
		}
	}
	return t
}()

// appendNameSlow handles names with escapes or bytes that need escaping.
func appendNameSlow(dst []byte, text []byte, origin string) ([]byte, error) {
	start := len(dst)
	var label [maxLabelLen + 1]byte
	n := 0
	wire := 1
	abs := false
	flush := func() error {
		if n == 0 {
			return errEmptyLabel
		}
		wire += n + 1
		for _, b := range label[:n] {
			dst = appendNameByte(dst, b)
		}
		dst = append(dst, '.')
		n = 0
		return nil
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '.':
			if err := flush(); err != nil {
				return dst[:start], err
			}
			if i == len(text)-1 {
				abs = true
			}
			continue
		case c == '\\':
			if i+1 >= len(text) {
				return dst[:start], errBadEscape
			}
			d := text[i+1]
			if d >= '0' && d <= '9' {
				if i+3 >= len(text) || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
					return dst[:start], errBadEscape
				}
				v := int(d-'0')*100 + int(text[i+2]-'0')*10 + int(text[i+3]-'0')
				if v > 255 {
					return dst[:start], errBadEscape
				}
				c = byte(v)
				i += 3
			} else {
				c = d
				i++
			}
		}
		if n >= maxLabelLen {
			return dst[:start], errLabelLong
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		label[n] = c
		n++
	}
	if !abs {
		if n > 0 {
			if err := flush(); err != nil {
				return dst[:start], err
			}
		}
		if origin == "" {
			return dst[:start], errNoOrigin
		}
		if origin != "." {
			dst = append(dst, origin...)
			wire += nameWireLen(origin) - 1
		}
	}
	if len(dst) == start {
		dst = append(dst, '.')
	}
	if wire > maxNameWire {
		return dst[:start], errNameLong
	}
	return dst, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func appendNameByte(dst []byte, b byte) []byte {
	switch {
	case isSpecialNameByte(b):
		return append(dst, '\\', b)
	case b < ' ' || b > '~':
		return append(dst, '\\', '0'+b/100, '0'+b/10%10, '0'+b%10)
	}
	return append(dst, b)
}

// nameWireLen is the wire length of a canonical absolute name.
func nameWireLen(name string) int {
	if name == "." {
		return 1
	}
	if strings.IndexByte(name, '\\') < 0 {
		return len(name) + 1
	}
	n := 1
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '.':
			n++ // the length byte of the label ending here
		case '\\':
			if i+1 < len(name) && isDigit(name[i+1]) {
				i += 3
			} else {
				i++
			}
			n++
		default:
			n++
		}
	}
	return n
}

// canonicalName returns the canonical absolute form of a name given in
// presentation format, resolved against origin.
func canonicalName(name, origin string) (string, error) {
	b, err := appendName(nil, []byte(name), origin)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// CanonicalName returns name (presentation format, absolute, or relative to
// origin) as rdnsctl keeps names: absolute, lower-case, with miekg/dns
// escaping.
func CanonicalName(name, origin string) (string, error) {
	if origin != "" {
		o, err := canonicalName(origin, ".")
		if err != nil {
			return "", err
		}
		origin = o
	}
	return canonicalName(name, origin)
}

// nameLabels splits a canonical name into its labels (still escaped), from
// left to right; the root is no labels.
func nameLabels(name string) []string {
	if name == "." || name == "" {
		return nil
	}
	var labels []string
	start := 0
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			if i+1 < len(name) && isDigit(name[i+1]) {
				i += 3
			} else {
				i++
			}
		case '.':
			labels = append(labels, name[start:i])
			start = i + 1
		}
	}
	if start < len(name) {
		labels = append(labels, name[start:])
	}
	return labels
}

// unescapeLabel decodes the escapes of one canonical label.
func unescapeLabel(l string) string {
	if strings.IndexByte(l, '\\') < 0 {
		return l
	}
	b := make([]byte, 0, len(l))
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c == '\\' && i+1 < len(l) {
			if isDigit(l[i+1]) && i+3 < len(l) {
				v, _ := strconv.Atoi(l[i+1 : i+4])
				c = byte(v)
				i += 3
			} else {
				c = l[i+1]
				i++
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// CompareNames orders canonical names in DNS canonical order (RFC 4034
// section 6.1): label by label from the right, each label compared as
// lower-case octets, a name sorting before its subdomains.
func CompareNames(a, b string) int {
	if a == b {
		return 0
	}
	la, lb := nameLabels(a), nameLabels(b)
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		x, y := unescapeLabel(la[i]), unescapeLabel(lb[j])
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case len(la) < len(lb):
		return -1
	case len(la) > len(lb):
		return 1
	}
	return 0
}

// IsSubdomain reports whether name is origin or below it (both canonical).
func IsSubdomain(name, origin string) bool {
	if origin == "." {
		return true
	}
	if len(name) < len(origin) || name[len(name)-len(origin):] != origin {
		return false
	}
	if len(name) == len(origin) {
		return true
	}
	// the byte before the suffix must be an unescaped dot
	i := len(name) - len(origin) - 1
	if name[i] != '.' {
		return false
	}
	bs := 0
	for j := i - 1; j >= 0 && name[j] == '\\'; j-- {
		bs++
	}
	return bs%2 == 0
}

// relativeName writes name relative to origin when it is below it ("@" for
// the origin itself), else the absolute name.
func relativeName(name, origin string) string {
	if name == origin {
		return "@"
	}
	if origin != "." && IsSubdomain(name, origin) {
		return name[:len(name)-len(origin)-1]
	}
	if origin == "." && name != "." {
		return name
	}
	return name
}
