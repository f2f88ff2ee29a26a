package rfc2136

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckKeyName checks a TSIG key name given on the command line and returns
// it in canonical form: lower case, without the final dot. A key name is a
// domain name (RFC 8945 §4.2) that BIND's configuration, an update-policy
// grant and a file name all carry as it is, so it is held to host-name
// labels: letters, digits, '-' and '_', 1-63 octets each, not starting or
// ending with '-', 253 octets in all.
func CheckKeyName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if n == "" {
		return "", errors.New("empty TSIG key name")
	}
	if len(n) > 253 {
		return "", fmt.Errorf("TSIG key name %q: longer than 253 octets", name)
	}
	for _, l := range strings.Split(n, ".") {
		switch {
		case l == "":
			return "", fmt.Errorf("TSIG key name %q: empty label", name)
		case len(l) > 63:
			return "", fmt.Errorf("TSIG key name %q: label %q is longer than 63 octets", name, l)
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", fmt.Errorf("TSIG key name %q: label %q starts or ends with '-'", name, l)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("TSIG key name %q: %q is not allowed (letters, digits, '-', '_' and '.' only)", name, c)
			}
		}
	}
	return n, nil
}

// GenerateKey makes a new HMAC-SHA256 key of 32 random octets (the size of
// the hash, as tsig-keygen makes them) from crypto/rand.
func GenerateKey(name string) (*Key, error) {
	n, err := CheckKeyName(name)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("TSIG key %s: %w", n, err)
	}
	return NewKey(n, "hmac-sha256", base64.StdEncoding.EncodeToString(secret))
}

// KeyFile is the key as a BIND key file, in tsig-keygen's layout, which
// named.conf includes and nsupdate -k reads.
func (k *Key) KeyFile() []byte {
	return fmt.Appendf(nil, "key \"%s\" {\n\talgorithm %s;\n\tsecret \"%s\";\n};\n",
		strings.TrimSuffix(k.Name, "."), strings.TrimSuffix(k.Algorithm, "."), k.Secret)
}

// CreateKeyFile writes the key file at path with mode 0600, atomically
// (a temporary file, synced, then linked into place) and never over an
// existing file: when path exists, it returns an error wrapping
// fs.ErrExist and leaves the file alone. The directory is made (0700)
// when missing.
func CreateKeyFile(path string, k *Key) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(k.KeyFile()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// link, unlike rename, fails when the name exists: a key file is
	// never replaced
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w: refusing to overwrite a key file", path, fs.ErrExist)
		}
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
