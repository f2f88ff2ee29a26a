package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// A batch is the journal lines of one write, saved in a file of their own
// before the write's commit point. After the commit they are appended to
// the journal with AppendBatch, exactly once even when the process is
// killed in the middle of the append and the next writer appends again:
// before the first byte, AppendBatch records the journal's size in a mark
// file beside the batch, and an append that finds a mark completes what
// the journal holds past that size instead of starting over.

// WriteBatch writes n entries, got one at a time from entry, to the batch
// file at path (replacing it) and syncs it.
func WriteBatch(path string, n int, entry func(i int) *Entry) error {
	// a mark belongs to the batch it was made for
	if err := os.Remove(MarkPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// a new file, never an existing one (which could be a hard link to
	// another file)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("change journal batch: %w", err)
	}
	b := &Journal{f: f, path: path}
	err = b.AppendFunc(n, entry)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// MarkPath is the mark file of the batch at batchPath.
func MarkPath(batchPath string) string { return batchPath + ".mark" }

type mark struct {
	Size int64 `json:"size"`
}

// AppendBatch appends the batch at batchPath to the journal at
// journalPath exactly once, and returns how many lines it appended now
// (0 when an earlier, interrupted append had already written them all). A
// batch that does not exist appends nothing. The batch and its mark stay:
// remove them with DropBatch once the write is settled.
//
// The journal is flock'ed while appending, so that writers of other zone
// sets sharing one journal do not interleave lines.
func AppendBatch(journalPath, batchPath string) (int, error) {
	batch, err := openNoFollow(batchPath, os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("change journal batch: %w", err)
	}
	defer batch.Close()
	bst, err := batch.Stat()
	if err != nil {
		return 0, err
	}
	// a batch is whole lines (it was synced before the commit point); a
	// torn end (never committed) is not appended
	bsize, err := wholeLines(batch, bst.Size())
	if err != nil {
		return 0, err
	}
	j, err := Open(journalPath)
	if err != nil {
		return 0, err
	}
	defer j.Close()
	if err := syscall.Flock(int(j.f.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("change journal %s: lock: %w", journalPath, err)
	}
	jst, err := j.f.Stat()
	if err != nil {
		return 0, err
	}
	markPath := MarkPath(batchPath)
	m, haveMark, err := readMark(markPath)
	if err != nil {
		return 0, err
	}
	var from int64 // offset in the batch of what is still to append
	switch {
	case haveMark && m.Size <= jst.Size():
		from, err = continueAt(j.f, m.Size, jst.Size(), batch, bsize)
		if err != nil {
			return 0, err
		}
	default:
		// first attempt (or a journal cut below the mark by someone
		// else): end a torn line first, then record where this batch
		// begins before writing any of it
		if j.tornTail() {
			if _, err := j.f.Write([]byte{'\n'}); err != nil {
				return 0, fmt.Errorf("change journal %s: %w", journalPath, err)
			}
		}
		if err := j.f.Sync(); err != nil {
			return 0, fmt.Errorf("change journal %s: %w", journalPath, err)
		}
		st, err := j.f.Stat()
		if err != nil {
			return 0, err
		}
		m = mark{Size: st.Size()}
		if err := writeMark(markPath, m); err != nil {
			return 0, err
		}
	}
	if from >= bsize {
		return 0, nil
	}
	if from < 0 {
		// another writer appended after ours was cut short: append the
		// lines of the batch the journal does not hold yet
		return appendMissing(j, m.Size, batch, bsize)
	}
	if _, err := batch.Seek(from, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := copyLines(j, io.LimitReader(batch, bsize-from))
	if err != nil {
		// leave the journal as it was before this attempt's bytes, so a
		// full disk leaves no torn line; the mark stays for the next try
		_ = j.f.Truncate(m.Size + from)
		_ = j.f.Sync()
		return 0, err
	}
	return n, nil
}

// wholeLines returns the length of the batch up to its last newline.
func wholeLines(f *os.File, size int64) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	for end := size; end > 0; {
		start := max(end-chunk, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if k := bytes.LastIndexByte(buf[:n], '\n'); k >= 0 {
			return start + int64(k) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// continueAt compares what the journal holds past the mark with the batch.
// When it is a prefix of the batch it returns the batch offset to go on
// from; when it is not (someone else appended), -1.
func continueAt(jf *os.File, markSize, jsize int64, batch *os.File, bsize int64) (int64, error) {
	tail := jsize - markSize
	if tail > bsize {
		return -1, nil
	}
	jr := bufio.NewReaderSize(io.NewSectionReader(jf, markSize, tail), 1<<20)
	br := bufio.NewReaderSize(io.NewSectionReader(batch, 0, bsize), 1<<20)
	a := make([]byte, 1<<16)
	b := make([]byte, 1<<16)
	for done := int64(0); done < tail; {
		n := int(min(int64(len(a)), tail-done))
		if _, err := io.ReadFull(jr, a[:n]); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(br, b[:n]); err != nil {
			return 0, err
		}
		if !bytes.Equal(a[:n], b[:n]) {
			return -1, nil
		}
		done += int64(n)
	}
	return tail, nil
}

// appendMissing appends the lines of the batch that the journal does not
// hold past the mark (another writer appended after an interrupted append
// of ours: the lines are compared, not the bytes).
func appendMissing(j *Journal, markSize int64, batch *os.File, bsize int64) (int, error) {
	st, err := j.f.Stat()
	if err != nil {
		return 0, err
	}
	have := map[string]int{}
	jsc := bufio.NewScanner(io.NewSectionReader(j.f, markSize, st.Size()-markSize))
	jsc.Buffer(make([]byte, 64<<10), 16<<20)
	for jsc.Scan() {
		have[string(jsc.Bytes())]++
	}
	if err := jsc.Err(); err != nil {
		return 0, err
	}
	var missing bytes.Buffer
	bsc := bufio.NewScanner(io.NewSectionReader(batch, 0, bsize))
	bsc.Buffer(make([]byte, 64<<10), 16<<20)
	for bsc.Scan() {
		if have[string(bsc.Bytes())] > 0 {
			have[string(bsc.Bytes())]--
			continue
		}
		missing.Write(bsc.Bytes())
		missing.WriteByte('\n')
	}
	if err := bsc.Err(); err != nil {
		return 0, err
	}
	if missing.Len() == 0 {
		return 0, nil
	}
	if j.tornTail() {
		if _, err := j.f.Write([]byte{'\n'}); err != nil {
			return 0, err
		}
	}
	return copyLines(j, &missing)
}

// copyLines copies r to the journal in 1 MiB chunks, fsyncs, and returns
// the number of newlines copied.
func copyLines(j *Journal, r io.Reader) (int, error) {
	buf := make([]byte, 1<<20)
	lines := 0
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if _, werr := j.f.Write(buf[:n]); werr != nil {
				return 0, fmt.Errorf("change journal %s: %w", j.path, werr)
			}
			lines += bytes.Count(buf[:n], []byte{'\n'})
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if err := j.f.Sync(); err != nil {
		return 0, fmt.Errorf("change journal %s: %w", j.path, err)
	}
	return lines, nil
}

func readMark(path string) (mark, bool, error) {
	f, err := openNoFollow(path, os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return mark{}, false, nil
	}
	if err != nil {
		return mark{}, false, fmt.Errorf("change journal mark: %w", err)
	}
	defer f.Close()
	var m mark
	if err := json.NewDecoder(io.LimitReader(f, 4096)).Decode(&m); err != nil || m.Size < 0 {
		// a mark is written whole (renamed into place): one that does not
		// parse was not ours
		return mark{}, false, fmt.Errorf("change journal mark %s: not a mark rdnsctl wrote; inspect and remove it", path)
	}
	return m, true, nil
}

func writeMark(path string, m mark) error {
	data, _ := json.Marshal(m)
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := openNoFollow(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("change journal mark: %w", err)
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("change journal mark: %w", err)
	}
	return nil
}

// DropBatch removes a batch and its mark (the write is settled: recorded,
// or never committed).
//
// The directory is not synced: a batch and mark that a power loss brings
// back are either of a write that was never committed (dropped again) or
// of one whose lines the journal holds past the mark (AppendBatch finds
// them and appends none), and the next WriteBatch removes them, synced.
func DropBatch(batchPath string) error {
	var first error
	for _, p := range []string{batchPath, MarkPath(batchPath), MarkPath(batchPath) + ".tmp"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
