package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Token is a stored API token: only the SHA-256 of the secret is kept.
type Token struct {
	Name     string         `json:"name"`
	SHA256   string         `json:"sha256"`
	Prefixes []netip.Prefix `json:"prefixes"` // empty: every address
	ReadOnly bool           `json:"read_only"`
	Created  time.Time      `json:"created"`
}

// May says whether the token may change addr.
func (t *Token) May(addr netip.Addr) bool {
	if len(t.Prefixes) == 0 {
		return true
	}
	for _, p := range t.Prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

type tokenFile struct {
	Tokens []Token `json:"tokens"`
}

// Tokens is the tokens file, read again when it changes, so a revoked
// token stops working without a restart.
type Tokens struct {
	Path string

	mu    sync.Mutex
	mtime time.Time
	size  int64
	list  []Token
	err   error
}

// ReadTokens reads a tokens file (which must exist).
func ReadTokens(path string) (*Tokens, error) {
	t := &Tokens{Path: path}
	if err := t.refresh(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Tokens) refresh() error {
	st, err := os.Stat(t.Path)
	if errors.Is(err, os.ErrNotExist) && t.list != nil {
		// the file was removed: no token is valid any more (a removed
		// tokens file revokes them all, it does not keep the last list)
		t.list, t.mtime, t.size, t.err = []Token{}, time.Time{}, -1, err
		return err
	}
	if err != nil {
		return err
	}
	if st.ModTime().Equal(t.mtime) && st.Size() == t.size && t.list != nil {
		return t.err
	}
	list, err := loadTokens(t.Path)
	if err != nil {
		t.err = err
		return err
	}
	t.list, t.mtime, t.size, t.err = list, st.ModTime(), st.Size(), nil
	return nil
}

func loadTokens(path string) ([]Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return []Token{}, nil
	}
	var f tokenFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", path, err)
	}
	if f.Tokens == nil {
		f.Tokens = []Token{}
	}
	return f.Tokens, nil
}

// Find returns the token whose secret is secret, comparing hashes in
// constant time against every stored token. A tokens file that no longer
// parses keeps the last list it gave; one that is gone accepts no token.
func (t *Tokens) Find(secret string) (*Token, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	_ = t.refresh() // a file that went bad keeps the last good list
	sum := sha256.Sum256([]byte(secret))
	want := hex.EncodeToString(sum[:])
	var found *Token
	for i := range t.list {
		if subtle.ConstantTimeCompare([]byte(t.list[i].SHA256), []byte(want)) == 1 {
			found = &t.list[i]
		}
	}
	if found == nil {
		return nil, false
	}
	c := *found
	return &c, true
}

// AddToken makes a new random token, stores its hash under name in the
// tokens file (created with mode 0600) and returns the secret, which is
// shown once and never stored.
func AddToken(path, name string, prefixes []netip.Prefix, readOnly bool, now time.Time) (string, error) {
	if name == "" {
		return "", errors.New("a token needs a name")
	}
	list, err := loadTokens(path)
	if errors.Is(err, os.ErrNotExist) {
		list, err = []Token{}, nil
	}
	if err != nil {
		return "", err
	}
	if slices.ContainsFunc(list, func(t Token) bool { return t.Name == name }) {
		return "", fmt.Errorf("a token named %q exists: revoke it first", name)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	secret := "rdns_" + hex.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(secret))
	if prefixes == nil {
		prefixes = []netip.Prefix{}
	}
	list = append(list, Token{Name: name, SHA256: hex.EncodeToString(sum[:]), Prefixes: prefixes, ReadOnly: readOnly, Created: now.UTC()})
	return secret, saveTokens(path, list)
}

// RevokeToken removes the token named name.
func RevokeToken(path, name string) error {
	list, err := loadTokens(path)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(t Token) bool { return t.Name == name })
	if i < 0 {
		return fmt.Errorf("no token named %q", name)
	}
	return saveTokens(path, slices.Delete(list, i, i+1))
}

// ListTokens returns the stored tokens (hashes, names and scopes); none
// when the file does not exist yet.
func ListTokens(path string) ([]Token, error) {
	list, err := loadTokens(path)
	if errors.Is(err, os.ErrNotExist) {
		return []Token{}, nil
	}
	return list, err
}

func saveTokens(path string, list []Token) error {
	data, err := json.MarshalIndent(tokenFile{Tokens: list}, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ParseScope parses --prefix values (host bits refused, as everywhere).
func ParseScope(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		p, err := rdns.ParsePrefix(v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
