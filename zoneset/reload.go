package zoneset

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// A Set held by a long-running process (rdnsctl serve) is kept current
// with Changed and Reload: after a write, reload the zones written; from
// time to time, reload what changed on disk. A Set is not safe for use by
// several goroutines while one reloads: hold a lock around both.

// Changed lists the origins of the zones whose files (the main file or one
// it includes) are not as they were when read: another size or
// modification time, or gone.
func (s *Set) Changed() []string {
	var out []string
	for _, z := range s.Zones {
		if z.job.fsys == nil {
			continue // made in memory (Add, AddRemote)
		}
		for _, st := range z.stamps {
			var fi fs.FileInfo
			var err error
			if st.disk {
				fi, err = os.Stat(st.rel)
			} else {
				fi, err = fs.Stat(z.job.fsys, st.rel)
			}
			if err != nil || fi.Size() != st.size || !fi.ModTime().Equal(st.mtime) {
				out = append(out, z.Origin)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// Reload reads the given zones again from their files and puts them in
// place of the ones held. Malformed lines are added to Problems, as Load
// does; a zone that no longer loads (unreadable, no origin, a different
// origin now) is an error and the zone held stays as it was.
func (s *Set) Reload(origins ...string) error {
	for _, o := range origins {
		old := s.Zone(o)
		if old == nil {
			return fmt.Errorf("zone %s is not in the set", o)
		}
		if old.job.fsys == nil {
			return fmt.Errorf("zone %s was not read from a file", o)
		}
		z, problems, err, fatal := loadJob(old.job, s.opt)
		if fatal != nil {
			return fatal
		}
		if err != nil {
			return err
		}
		if z.Origin != old.Origin {
			return fmt.Errorf("%s: now zone %s, was %s: reload the whole set", old.job.display(), z.Origin, old.Origin)
		}
		if problems != nil {
			if s.opt.Strict {
				return problems
			}
			s.Problems = append(s.Problems, unwrapAll(problems)...)
		}
		i := slices.Index(s.Zones, old)
		s.Zones[i] = z
		s.byOrigin[z.Origin] = z
		if old.Reverse && s.byPrefix[old.Name.Prefix] == old {
			s.byPrefix[old.Name.Prefix] = z
		}
	}
	s.markShared()
	s.finish()
	return nil
}

// ReloadChanged reloads every zone Changed names and returns their origins.
func (s *Set) ReloadChanged() ([]string, error) {
	changed := s.Changed()
	if len(changed) == 0 {
		return nil, nil
	}
	return changed, s.Reload(changed...)
}

// statFile stats z.Files[i] (an include) where it was read from: on disk
// for a zone read from disk, else in the zone's file system.
func (z *Zone) statFile(i int) (string, fs.FileInfo, error) {
	if z.job.root != "" {
		p := z.FilePath(i)
		fi, err := os.Stat(p)
		return p, fi, err
	}
	fi, err := fs.Stat(z.job.fsys, z.Files[i].Path)
	return z.Files[i].Path, fi, err
}
