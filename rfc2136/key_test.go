package rfc2136

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadKeyFile(t *testing.T) {
	for _, tc := range []struct {
		name, file, key string
		wantAlg, err    string
	}{
		{name: "tsig-keygen", file: "key \"rdnsctl-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0\";\n};\n", wantAlg: "hmac-sha256."},
		{name: "sha512 with comments", file: "# made by hand\n/* a\nblock */ key k2 { // the key\n algorithm hmac-sha512; secret \"c2VjcmV0\"; };", wantAlg: "hmac-sha512."},
		{name: "two keys, named", file: "key a { algorithm hmac-sha1; secret \"c2VjcmV0\"; };\nkey b { algorithm hmac-sha384; secret \"c2VjcmV0\"; };", key: "b", wantAlg: "hmac-sha384."},
		{name: "two keys, unnamed", file: "key a { secret \"c2VjcmV0\"; };\nkey b { secret \"c2VjcmV0\"; };", err: "2 keys"},
		{name: "md5 refused", file: "key old { algorithm hmac-md5; secret \"c2VjcmV0\"; };", err: "hmac-md5 is obsolete"},
		{name: "unknown algorithm", file: "key x { algorithm rot13; secret \"c2VjcmV0\"; };", err: "unknown algorithm"},
		{name: "bad secret", file: "key x { secret \"not base64!\"; };", err: ":1: TSIG key x: the secret is not base64"},
		{name: "no key", file: "options { };", err: "no key statement"},
		{name: "unterminated", file: "key x { secret \"c2VjcmV0\";", err: "unterminated"},
		{name: "default algorithm", file: "key x { secret \"c2VjcmV0\"; };", wantAlg: "hmac-sha256."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k")
			if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			k, err := ReadKeyFile(p, tc.key)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "c2VjcmV0") {
					t.Fatalf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm != tc.wantAlg || k.Secret != "c2VjcmV0" {
				t.Errorf("got %+v", k)
			}
			if strings.Contains(k.String(), k.Secret) {
				t.Errorf("String shows the secret")
			}
		})
	}
}

func TestSecretEnv(t *testing.T) {
	if got := SecretEnv("ns-1.primary"); got != "RDNSCTL_TSIG_SECRET_NS_1_PRIMARY" {
		t.Errorf("got %s", got)
	}
}
