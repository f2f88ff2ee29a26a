package rfc2136

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckKeyName(t *testing.T) {
	for _, c := range []struct {
		in, want string
		bad      string // part of the error
	}{
		{in: "cust-a", want: "cust-a"},
		{in: "Cust-A.", want: "cust-a"},
		{in: "cust_7.keys.example.net", want: "cust_7.keys.example.net"},
		{in: "0", want: "0"},
		{in: "", bad: "empty"},
		{in: ".", bad: "empty"},
		{in: "a..b", bad: "empty label"},
		{in: "-a", bad: "starts or ends with '-'"},
		{in: "a-", bad: "starts or ends with '-'"},
		{in: "a/b", bad: `'/' is not allowed`},
		{in: "../x", bad: "empty label"},
		{in: "a b", bad: `' ' is not allowed`},
		{in: `a"b`, bad: `'"' is not allowed`},
		{in: "a;b", bad: `';' is not allowed`},
		{in: "é", bad: `'é' is not allowed`},
		{in: strings.Repeat("a", 64), bad: "longer than 63"},
		{in: strings.Repeat("a.", 127) + "ab", bad: "longer than 253"},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := CheckKeyName(c.in)
			if c.bad != "" {
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Fatalf("CheckKeyName(%q) = %q, %v; want an error with %q", c.in, got, err, c.bad)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("CheckKeyName(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

// A generated key is HMAC-SHA256 with 32 random octets, written 0600 in
// tsig-keygen's layout (read back by ReadKeyFile and accepted by
// named-checkconf), and never written over an existing file.
func TestCreateKeyFile(t *testing.T) {
	k, err := GenerateKey("Cust-A")
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "cust-a." || k.Algorithm != "hmac-sha256." {
		t.Fatalf("key %s %s", k.Name, k.Algorithm)
	}
	raw, err := base64.StdEncoding.DecodeString(k.Secret)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret: %d octets, %v", len(raw), err)
	}
	k2, _ := GenerateKey("cust-a")
	if k2.Secret == k.Secret {
		t.Fatal("two keys with the same secret")
	}
	path := filepath.Join(t.TempDir(), "keys", "cust-a.key")
	if err := CreateKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", dst.Mode().Perm())
	}
	back, err := ReadKeyFile(path, "cust-a")
	if err != nil || back.Secret != k.Secret || back.Algorithm != k.Algorithm || back.Name != k.Name {
		t.Fatalf("read back %v, %v", back, err)
	}
	before, _ := os.ReadFile(path)
	err = CreateKeyFile(path, k2)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second CreateKeyFile: %v, want fs.ErrExist", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("an existing key file was overwritten")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if strings.Contains(k.String(), k.Secret) {
		t.Error("String prints the secret")
	}
	if bin, err := exec.LookPath("named-checkconf"); err == nil {
		conf := filepath.Join(t.TempDir(), "named.conf")
		if err := os.WriteFile(conf, []byte("include \""+path+"\";\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, conf).CombinedOutput(); err != nil {
			t.Errorf("named-checkconf: %v\n%s", err, out)
		}
	}
}
