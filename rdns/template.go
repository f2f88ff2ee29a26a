package rdns

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Template renders default PTR names from an address. Placeholders:
//
//	{dashed}  IPv4 198-51-100-44; IPv6 the compressed form with ':' as '-',
//	          with a 0 where it would start or end with a dash
//	          (2001-db8-100--25, 0--1)
//	{o1}…{o4} IPv4 octets, most significant first
//	{h1}…{h8} IPv6 16-bit groups in hex without leading zeros
//	{rev}     the reversed octets (44.100.51.198) or nibbles (IPv6), dotted
//	{hex}     IPv4 8 hex digits (c6336444); IPv6 the 32 nibbles
//	{prefix}  the block's name from the config (defaults: name:)
//
// A template without a final dot is taken as absolute all the same.
type Template struct {
	src   string
	parts []tmplPart
}

type tmplPart struct {
	lit string
	ph  string // placeholder name, "" for a literal
}

var placeholders = map[string]bool{
	"dashed": true, "o1": true, "o2": true, "o3": true, "o4": true, "rev": true, "hex": true, "prefix": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "h7": true, "h8": true,
}

// ParseTemplate reads a template, refusing unknown placeholders and
// unbalanced braces.
func ParseTemplate(s string) (Template, error) {
	t := Template{src: s}
	rest := s
	for rest != "" {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			t.parts = append(t.parts, tmplPart{lit: rest})
			break
		}
		if rest[i] == '}' {
			return Template{}, fmt.Errorf("template %q: '}' without '{'", s)
		}
		if i > 0 {
			t.parts = append(t.parts, tmplPart{lit: rest[:i]})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return Template{}, fmt.Errorf("template %q: '{' without '}'", s)
		}
		name := strings.ToLower(rest[i+1 : i+j])
		if !placeholders[name] {
			return Template{}, fmt.Errorf("template %q: unknown placeholder {%s} (want dashed, o1-o4, h1-h8, rev, hex, prefix)", s, name)
		}
		t.parts = append(t.parts, tmplPart{ph: name})
		rest = rest[i+j+1:]
	}
	if len(t.parts) == 0 {
		return Template{}, fmt.Errorf("empty template")
	}
	return t, nil
}

// MustTemplate is ParseTemplate for templates known to be good (tests).
func MustTemplate(s string) Template {
	t, err := ParseTemplate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func (t Template) String() string { return t.src }

// IsZero says whether the template is unset.
func (t Template) IsZero() bool { return len(t.parts) == 0 }

// Render returns the PTR target for a (canonical: lower-case, final dot).
func (t Template) Render(a netip.Addr, prefixName string) string {
	a = a.Unmap()
	var b strings.Builder
	for _, p := range t.parts {
		if p.ph == "" {
			b.WriteString(p.lit)
			continue
		}
		b.WriteString(placeholder(p.ph, a, prefixName))
	}
	return CanonicalHostname(b.String())
}

// Generate renders the template as the right-hand side of a $GENERATE line
// that iterates over the last octet of IPv4 addresses in the /24 of a, or
// ok false when a placeholder cannot be written with $GENERATE modifiers.
func (t Template) Generate(a netip.Addr, prefixName string) (string, bool) {
	a = a.Unmap()
	if !a.Is4() {
		return "", false
	}
	o := a.As4()
	var b strings.Builder
	for _, p := range t.parts {
		switch p.ph {
		case "":
			b.WriteString(strings.ReplaceAll(p.lit, "$", `\$`))
		case "o4":
			b.WriteString("$")
		case "dashed":
			fmt.Fprintf(&b, "%d-%d-%d-$", o[0], o[1], o[2])
		case "rev":
			fmt.Fprintf(&b, "$.%d.%d.%d", o[2], o[1], o[0])
		case "hex":
			fmt.Fprintf(&b, "%02x%02x%02x${0,2,x}", o[0], o[1], o[2])
		case "o1", "o2", "o3", "prefix":
			b.WriteString(placeholder(p.ph, a, prefixName))
		default:
			return "", false
		}
	}
	return CanonicalHostname(b.String()), true
}

func placeholder(name string, a netip.Addr, prefixName string) string {
	switch name {
	case "prefix":
		return prefixName
	case "dashed":
		if a.Is4() {
			o := a.As4()
			return fmt.Sprintf("%d-%d-%d-%d", o[0], o[1], o[2], o[3])
		}
		s := strings.ReplaceAll(a.String(), ":", "-")
		if strings.HasPrefix(s, "-") {
			s = "0" + s
		}
		if strings.HasSuffix(s, "-") {
			s += "0"
		}
		return s
	case "rev":
		r := ReverseName(a)
		return r[:len(r)-len(suffixOf(a))-1]
	case "hex":
		if a.Is4() {
			o := a.As4()
			return fmt.Sprintf("%02x%02x%02x%02x", o[0], o[1], o[2], o[3])
		}
		o := a.As16()
		return fmt.Sprintf("%x", o[:])
	}
	if name[0] == 'o' && a.Is4() {
		i, _ := strconv.Atoi(name[1:])
		return strconv.Itoa(int(a.As4()[i-1]))
	}
	if name[0] == 'h' && a.Is6() {
		i, _ := strconv.Atoi(name[1:])
		o := a.As16()
		return strconv.FormatUint(uint64(o[2*(i-1)])<<8|uint64(o[2*(i-1)+1]), 16)
	}
	return ""
}

func suffixOf(a netip.Addr) string {
	if a.Is4() {
		return v4Suffix
	}
	return v6Suffix
}

// Defaults is the ordered set of default templates by prefix (longest match
// wins): what block-init writes, what audit counts as "not custom", what
// unset and deprovision reset to.
type Defaults []Default

// Default is one per-prefix template.
type Default struct {
	Prefix   netip.Prefix
	Template Template
	Name     string
}

// For returns the default for a (the longest prefix that holds it).
func (d Defaults) For(a netip.Addr) (Default, bool) {
	best := -1
	for i, x := range d {
		if x.Prefix.Contains(a) && (best < 0 || x.Prefix.Bits() > d[best].Prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return Default{}, false
	}
	return d[best], true
}

// Render returns the default name of a, or "" when no default covers it.
func (d Defaults) Render(a netip.Addr) string {
	x, ok := d.For(a)
	if !ok {
		return ""
	}
	return x.Template.Render(a, x.Name)
}

// IsDefault says whether name is what some configured default template
// (any, not only the longest match: a block may have been re-templated)
// renders for a.
func (d Defaults) IsDefault(a netip.Addr, name string) bool {
	name = CanonicalHostname(name)
	var buf [maxHostname + 2]byte
	for _, x := range d {
		if x.Prefix.Contains(a) && x.Template.renders(buf[:0], a, x.Name, name) {
			return true
		}
	}
	return false
}

// maxHostname is the longest host name, without its final dot.
const maxHostname = 253

// renders reports whether t renders name (canonical) for a: Render(a,
// prefixName) == name, without building a string for the usual
// placeholders (audit asks this of every address).
func (t Template) renders(dst []byte, a netip.Addr, prefixName, name string) bool {
	a = a.Unmap()
	for _, p := range t.parts {
		switch {
		case p.ph == "":
			dst = append(dst, p.lit...)
		case a.Is4() && (p.ph == "dashed" || p.ph == "hex" || len(p.ph) == 2 && p.ph[0] == 'o'):
			o := a.As4()
			switch p.ph {
			case "dashed":
				for i, v := range o {
					if i > 0 {
						dst = append(dst, '-')
					}
					dst = strconv.AppendUint(dst, uint64(v), 10)
				}
			case "hex":
				const hexDigits = "0123456789abcdef"
				for _, v := range o {
					dst = append(dst, hexDigits[v>>4], hexDigits[v&15])
				}
			default:
				dst = strconv.AppendUint(dst, uint64(o[p.ph[1]-'1']), 10)
			}
		default:
			dst = append(dst, placeholder(p.ph, a, prefixName)...)
		}
		if len(dst) > maxHostname+1 {
			return t.Render(a, prefixName) == name
		}
	}
	// canonical form as CanonicalHostname makes it, for ASCII without spaces
	for i, c := range dst {
		switch {
		case c >= 0x80 || c <= ' ':
			return t.Render(a, prefixName) == name
		case 'A' <= c && c <= 'Z':
			dst[i] = c + 'a' - 'A'
		}
	}
	if len(dst) == 0 {
		return name == ""
	}
	if dst[len(dst)-1] != '.' {
		dst = append(dst, '.')
	}
	return string(dst) == name
}
