// Package journal is rdnsctl's change log: one JSON line per changed record,
// appended after the zones are written, never rewritten. It also holds the
// advisory lock that keeps two writers of one zones directory apart.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/user"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Entry is one changed record.
type Entry struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Command  string    `json:"command"`
	Ticket   string    `json:"ticket,omitempty"`
	Action   string    `json:"action"`
	Zone     string    `json:"zone"`
	File     string    `json:"file"`
	Name     string    `json:"name"`
	IP       string    `json:"ip"`
	Type     string    `json:"type"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
	Customer string    `json:"customer,omitempty"`
	Reason   string    `json:"reason,omitempty"`
}

// Journal is an open journal file, ready to append to.
type Journal struct {
	f    *os.File
	path string
}

// Open opens (creating) the journal for appending. Open it before writing
// zones, so that an unwritable journal stops the command before anything
// changes.
func Open(path string) (*Journal, error) {
	f, err := openNoFollow(path, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("change journal: %w", err)
	}
	return &Journal{f: f, path: path}, nil
}

// openNoFollow opens path without following a symlink at its last element
// (a planted link must not make rdnsctl append to or truncate another
// file), and refuses anything but a regular file.
func openNoFollow(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s: is a symbolic link; refusing to use it", path)
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return f, nil
}

// tornTail says whether the file ends in a line without its newline (a
// write cut short by a crash), which must be ended before appending.
func (j *Journal) tornTail() bool {
	st, err := j.f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	last := make([]byte, 1)
	_, err = j.f.ReadAt(last, st.Size()-1)
	return err == nil && last[0] != '\n'
}

// Append writes the entries as JSON lines and fsyncs.
func (j *Journal) Append(entries []Entry) error {
	return j.AppendFunc(len(entries), func(i int) *Entry { return &entries[i] })
}

// AppendFunc writes n entries, got one at a time from entry, as JSON lines,
// then fsyncs. Lines are written in chunks of whole lines (each one write
// call), so a crash leaves at most the chunk being written; a file whose last
// line was torn by a crash is first ended with a newline, so the torn line
// stays alone and readers skip it.
func (j *Journal) AppendFunc(n int, entry func(i int) *Entry) error {
	var buf bytes.Buffer
	if j.tornTail() {
		buf.WriteByte('\n')
	}
	flush := func() error {
		if buf.Len() == 0 {
			return nil
		}
		if _, err := j.f.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("change journal %s: %w", j.path, err)
		}
		buf.Reset()
		return nil
	}
	var line []byte
	var lastTime time.Time
	var timeText []byte
	for i := 0; i < n; i++ {
		e := entry(i)
		if !e.Time.Equal(lastTime) || timeText == nil {
			lastTime = e.Time
			timeText = e.Time.UTC().AppendFormat(timeText[:0], time.RFC3339Nano)
		}
		line = e.appendJSON(line[:0], timeText)
		buf.Write(line)
		if buf.Len() >= 1<<20 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("change journal %s: %w", j.path, err)
	}
	return nil
}

// Create opens path for writing a batch of entries from scratch (the
// pending batch of a write in progress), truncating it.
func Create(path string) (*Journal, error) {
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return nil, fmt.Errorf("change journal: %w", err)
	}
	return &Journal{f: f, path: path}, nil
}

// appendJSON appends the entry as one JSON line, the same fields and order
// encoding/json gives (a journal of a million changes is written without
// reflection).
func (e *Entry) appendJSON(b, timeText []byte) []byte {
	b = append(b, `{"time":"`...)
	b = append(b, timeText...)
	b = append(b, '"')
	field := func(name, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = appendString(b, v)
	}
	field("operator", e.Operator, false)
	field("command", e.Command, false)
	field("ticket", e.Ticket, true)
	field("action", e.Action, false)
	field("zone", e.Zone, false)
	field("file", e.File, false)
	field("name", e.Name, false)
	field("ip", e.IP, false)
	field("type", e.Type, false)
	field("old", e.Old, false)
	field("new", e.New, false)
	field("customer", e.Customer, true)
	field("reason", e.Reason, true)
	return append(b, '}', '\n')
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, `\u00`...)
				b = append(b, hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

const hex = "0123456789abcdef"

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

// Filter selects entries when reading.
type Filter struct {
	Prefix netip.Prefix // only entries for addresses inside it (zero: all)
	Since  time.Time
}

// Read returns the entries of the journal that match f, oldest first.
// Lines that do not parse (a torn last line after a crash) are skipped and
// counted.
func Read(r io.Reader, f Filter) ([]Entry, int, error) {
	var out []Entry
	skipped := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			skipped++
			continue
		}
		if !f.Since.IsZero() && e.Time.Before(f.Since) {
			continue
		}
		if f.Prefix.IsValid() {
			a, err := netip.ParseAddr(e.IP)
			if err != nil || !f.Prefix.Contains(a) {
				continue
			}
		}
		out = append(out, e)
	}
	return out, skipped, sc.Err()
}

// ReadFile is Read on a file; a journal that does not exist yet is empty.
func ReadFile(path string, f Filter) ([]Entry, int, error) {
	fh, err := openNoFollow(path, os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer fh.Close()
	return Read(fh, f)
}

// Operator is who made a change: the flag, else SUDO_USER, else USER, else
// LOGNAME, else the name the system gives the process's user (os/user:
// cron jobs and containers often set none of the variables); "unknown" only
// when the system does not know either.
func Operator(flag string) string {
	for _, v := range []string{flag, os.Getenv("SUDO_USER"), os.Getenv("USER"), os.Getenv("LOGNAME")} {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		if strings.TrimSpace(u.Username) != "" {
			return u.Username
		}
		if u.Uid != "" {
			return "uid " + u.Uid
		}
	}
	return "unknown"
}
