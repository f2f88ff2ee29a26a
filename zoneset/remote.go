package zoneset

import "github.com/rdnsctl/rdnsctl/zonefile"

// AddRemote puts a zone read from a live server (by AXFR or through an API)
// into the set. source names where it came from (axfr://NAME/ORIGIN) and
// stands as the zone's Path: such a zone has no file, and only the backend
// that read it writes it. A zone file that claims the same origin is a
// conflict, as two files would be.
func (s *Set) AddRemote(z *zonefile.Zone, source string) *Zone {
	zz := newZone(z, source, "", s.opt.Style)
	zz.Type = "primary"
	if old := s.byOrigin[zz.Origin]; old != nil {
		s.Conflicts = append(s.Conflicts, Conflict{Origin: zz.Origin, Files: []string{old.Path, source}})
		return old
	}
	s.add(zz)
	s.finish()
	return zz
}
