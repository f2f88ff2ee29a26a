// Package zonefile reads BIND master files into a model that remembers where
// every record came from, so that a change can be patched into the file with
// every untouched byte kept, and emits new zones in one canonical layout.
//
// The reader never opens files itself except through the fs.FS handed to it
// for $INCLUDE, which keeps includes inside the zones directory.
package zonefile

// Record is one resource record as loaded. Domain names (the owner, and the
// target of NS, CNAME, PTR, DNAME) are absolute and lower-case, with the final
// dot; other RDATA is kept in presentation form.
type Record struct {
	Name  string
	TTL   uint32
	Class uint16
	Type  uint16
	Data  string
	File  int32 // index into Zone.Files
	Line  int32 // first line of the entry that produced the record
	Entry int32 // index into Zone.Files[File].Entries
	Iter  int32 // the $GENERATE iterator value for generated records, else -1
}

// EntryKind says what a logical entry of a file is.
type EntryKind uint8

const (
	EntryRecord EntryKind = iota
	EntryOrigin
	EntryTTL
	EntryInclude
	EntryGenerate
)

// Entry is one logical entry of a file: a record (which may span lines inside
// parentheses) or a directive. Blank and comment-only lines are not entries;
// they are simply never touched.
type Entry struct {
	Kind EntryKind
	// Start and End are the byte offsets in File.Data of the entry's lines:
	// from the start of its first line to just past the newline of its last
	// line (or the end of the data when the file has no final newline).
	Start, End int32
	Line       int32 // first line, 1-based
	EndLine    int32 // last line, 1-based
	// Inherit is true when a record entry's owner was not written and was
	// taken from the previous entry (the line starts with white space).
	Inherit bool
	// LastTTL is true when a record entry's TTL was not written and, no
	// $TTL being in effect, is the last TTL written before it (RFC 1035).
	LastTTL bool
	// Origin is the $ORIGIN in effect for the entry (absolute, lower-case).
	Origin string
}

// File is one master file as read: the bytes are kept so that it can be
// patched with every untouched line left byte-identical.
type File struct {
	Path    string // display name: the path as given, or relative to the zones root for includes
	Data    []byte
	Entries []Entry
}

// Zone is one zone: its main file, the files it includes, and its records in
// file order.
type Zone struct {
	Origin  string // absolute, lower-case, with the final dot
	Files   []*File
	Records []Record
	// Warnings are what BIND would warn about while loading (no TTL, TTL
	// above 2^31-1, ignored garbage); they never stop a load.
	Warnings []*ParseError
}
