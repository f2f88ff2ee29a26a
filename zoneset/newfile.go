package zoneset

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// fileStyle is how a directory names its zone files: an affix around either
// the origin ("100.51.198.in-addr.arpa.zone") or the block in address order
// ("db.198.51.100").
type fileStyle struct {
	prefix, suffix string
	net            bool
}

func (st fileStyle) name(origin string, zn rdns.ZoneName, ok bool) string {
	stem := originStem(origin)
	if st.net && ok {
		stem = netStem(zn)
	}
	return st.prefix + stem + st.suffix
}

// originStem is the origin as a file name: no final dot, and "/" (of RFC
// 2317 labels) as "-".
func originStem(origin string) string {
	return strings.ReplaceAll(strings.TrimSuffix(strings.ToLower(origin), "."), "/", "-")
}

// netStem is the block in address order, as operators name files:
// 198.51.100 (a /24), 10.20 (a /16), 198.51.100.64-26 (a classless child),
// 2001:db8:100 (an IPv6 /48; nibbles past the last full group are written
// out: 2001:db8:10 for a /44 is not readable, so 2001:db8:1:0-44 is not
// used either: such a zone is named by its origin).
func netStem(zn rdns.ZoneName) string {
	p := zn.Prefix
	if p.Addr().Is4() {
		b := p.Addr().As4()
		n := p.Bits() / 8
		parts := make([]string, 0, 4)
		for i := 0; i < n; i++ {
			parts = append(parts, strconv.Itoa(int(b[i])))
		}
		if p.Bits()%8 != 0 {
			parts = append(parts, strconv.Itoa(int(b[n]))+"-"+strconv.Itoa(p.Bits()))
		}
		return strings.Join(parts, ".")
	}
	if p.Bits()%16 != 0 || p.Bits() == 0 {
		return originStem(zn.Origin)
	}
	b := p.Addr().As16()
	var parts []string
	for i := 0; i < p.Bits()/16; i++ {
		parts = append(parts, strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16))
	}
	return strings.Join(parts, ":")
}

var affixes = []struct{ prefix, suffix string }{
	{"db.", ""}, {"rev.", ""}, {"", ".zone"}, {"", ".db"}, {"", ".rev"}, {"db.", ".zone"}, {"", ".hosts"}, {"", "."}, {"", ""},
}

// styleOf tells the style of one zone's file name, if it is one of the
// common ones.
func styleOf(z *Zone) (fileStyle, bool) {
	name := strings.ToLower(filepath.Base(z.Path))
	if z.Link != "" {
		name = strings.ToLower(filepath.Base(z.Link))
	}
	stems := []struct {
		stem string
		net  bool
	}{{originStem(z.Origin), false}}
	if z.Reverse {
		stems = append(stems, struct {
			stem string
			net  bool
		}{netStem(z.Name), true})
	}
	for _, a := range affixes {
		for _, s := range stems {
			if name == a.prefix+s.stem+a.suffix {
				return fileStyle{prefix: a.prefix, suffix: a.suffix, net: s.net}, true
			}
		}
	}
	return fileStyle{}, false
}

// CheckFilePattern checks a new_zone_file pattern: it names the zone with
// {origin} (the origin without its final dot, "/" as "-") or {net} (the
// block in address order: 198.51.100, 198.51.100.64-26, 2001:db8:100), and
// stays inside the zones directory.
func CheckFilePattern(pattern string) error {
	rest := pattern
	named := false
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("%q: unclosed {", pattern)
		}
		switch rest[i : i+j+1] {
		case "{origin}", "{net}":
			named = true
		default:
			return fmt.Errorf("%q: unknown placeholder %s (want {origin} or {net})", pattern, rest[i:i+j+1])
		}
		rest = rest[i+j+1:]
	}
	if !named {
		return fmt.Errorf("%q names no zone: use {origin} or {net}", pattern)
	}
	if filepath.IsAbs(pattern) || !filepath.IsLocal(filepath.FromSlash(strings.NewReplacer("{origin}", "x", "{net}", "x").Replace(pattern))) {
		return fmt.Errorf("%q: must be a path inside the zones directory", pattern)
	}
	return nil
}

// NewFileName names the file of a new zone in dir: by pattern (the
// config's new_zone_file, see CheckFilePattern) when it is not empty, else
// in the house style of the zone files already in dir: db.198.51.100 beside
// db.* files, ORIGIN.zone beside *.zone files, ORIGIN beside files named by
// their bare origin (the style most zones of the same address family use;
// ORIGIN.zone in a directory with none).
func (s *Set) NewFileName(dir, origin, pattern string) (string, error) {
	zn, err := rdns.ParseZoneName(origin, s.opt.Style)
	ok := err == nil
	if pattern != "" {
		if err := CheckFilePattern(pattern); err != nil {
			return "", err
		}
		stem := netStem(zn)
		if !ok {
			stem = originStem(origin)
		}
		name := strings.NewReplacer("{origin}", originStem(origin), "{net}", stem).Replace(pattern)
		return filepath.Join(dir, filepath.FromSlash(name)), nil
	}
	st := s.dirStyle(dir, zn, ok)
	name := st.name(origin, zn, ok)
	if name == "" || strings.ContainsRune(name, filepath.Separator) {
		return "", errors.New("zone " + origin + ": no file name for it")
	}
	return filepath.Join(dir, name), nil
}

// dirStyle is the style most reverse zone files in dir use, preferring
// those of the same address family as the new zone.
func (s *Set) dirStyle(dir string, zn rdns.ZoneName, ok bool) fileStyle {
	cleanDir := filepath.Clean(dir)
	type tally struct {
		st       fileStyle
		n, first int
	}
	var same, any []tally
	count := func(ts []tally, st fileStyle, i int) []tally {
		for k := range ts {
			if ts[k].st == st {
				ts[k].n++
				return ts
			}
		}
		return append(ts, tally{st: st, n: 1, first: i})
	}
	for i, z := range s.Zones {
		p := z.Path
		if z.Link != "" {
			p = z.Link
		}
		if filepath.Dir(p) != cleanDir || !z.Reverse {
			continue
		}
		st, found := styleOf(z)
		if !found {
			continue
		}
		any = count(any, st, i)
		if ok && z.Name.Prefix.Addr().Is4() == zn.Prefix.Addr().Is4() {
			same = count(same, st, i)
		}
	}
	best := func(ts []tally) (fileStyle, bool) {
		if len(ts) == 0 {
			return fileStyle{}, false
		}
		return slices.MaxFunc(ts, func(a, b tally) int {
			if a.n != b.n {
				return a.n - b.n
			}
			return b.first - a.first // the first seen wins a tie
		}).st, true
	}
	if st, found := best(same); found {
		return st
	}
	if st, found := best(any); found {
		return st
	}
	return fileStyle{suffix: ".zone"}
}
