// Package rfc2136 talks to a live primary name server: it reads a zone by
// AXFR (RFC 5936) into the same in-memory model as a zone file, writes a
// change set as DNS UPDATE messages (RFC 2136) with prerequisites that the
// zone still holds what the plan saw, and signs both with TSIG (RFC 8945).
//
// An UPDATE message is atomic; a change set spread over several messages is
// not. Push reports exactly which messages the server applied, so that the
// caller journals those changes and a re-run, planned again from the
// server's content, finishes the rest.
package rfc2136

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/miekg/dns"
)

// Key is a TSIG key. Its secret is never printed: String and errors name the
// key only.
type Key struct {
	Name      string // absolute, lower-case
	Algorithm string // e.g. "hmac-sha256." (miekg's form)
	Secret    string // base64
}

func (k *Key) String() string {
	if k == nil {
		return "no key"
	}
	return fmt.Sprintf("key %s (%s)", strings.TrimSuffix(k.Name, "."), strings.TrimSuffix(k.Algorithm, "."))
}

// algorithms are the TSIG algorithms accepted, by the names BIND's key files
// and rdnsctl's config use.
var algorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha512": dns.HmacSHA512,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha1":   dns.HmacSHA1,
}

// NewKey checks a key's parts: a known algorithm (default hmac-sha256;
// hmac-md5 is refused) and a base64 secret.
func NewKey(name, algorithm, secret string) (*Key, error) {
	if name == "" {
		return nil, errors.New("TSIG key without a name")
	}
	alg := strings.ToLower(strings.TrimSuffix(algorithm, "."))
	if alg == "" {
		alg = "hmac-sha256"
	}
	if strings.HasPrefix(alg, "hmac-md5") {
		return nil, fmt.Errorf("TSIG key %s: hmac-md5 is obsolete (RFC 8945 §6); make a new key with tsig-keygen -a hmac-sha256", name)
	}
	a, ok := algorithms[alg]
	if !ok {
		return nil, fmt.Errorf("TSIG key %s: unknown algorithm %q (want hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224 or hmac-sha1)", name, algorithm)
	}
	if secret == "" {
		return nil, fmt.Errorf("TSIG key %s: no secret", name)
	}
	if _, err := base64.StdEncoding.DecodeString(secret); err != nil {
		return nil, fmt.Errorf("TSIG key %s: the secret is not base64", name)
	}
	return &Key{Name: strings.ToLower(dns.Fqdn(name)), Algorithm: a, Secret: secret}, nil
}

// SecretEnv is the environment variable that may hold the secret of the
// key of the server named name: RDNSCTL_TSIG_SECRET_<NAME>, the name
// upper-cased with every character that is not a letter or digit as '_'.
func SecretEnv(name string) string {
	return "RDNSCTL_TSIG_SECRET_" + strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return unicode.ToUpper(r)
		}
		return '_'
	}, name)
}

// ReadKeyFile reads a BIND key file as tsig-keygen writes it:
//
//	key "rdnsctl-key" {
//		algorithm hmac-sha256;
//		secret "base64";
//	};
//
// With several keys in the file, name chooses one ("" takes the only one).
func ReadKeyFile(path, name string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys, err := parseKeys(data, path)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no key statement", path)
	}
	if name == "" {
		if len(keys) > 1 {
			return nil, fmt.Errorf("%s: %d keys; name the one to use", path, len(keys))
		}
		return keys[0], nil
	}
	want := strings.ToLower(dns.Fqdn(name))
	for _, k := range keys {
		if k.Name == want {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%s: no key %q", path, name)
}

// parseKeys reads the key statements of named.conf syntax: comments (#, //,
// /* */), quoted strings, blocks and semicolons. Other statements are
// skipped.
func parseKeys(data []byte, path string) ([]*Key, error) {
	toks, err := tokens(data, path)
	if err != nil {
		return nil, err
	}
	var keys []*Key
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.text != "key" || t.quoted || i+2 >= len(toks) || toks[i+2].text != "{" {
			continue
		}
		name := toks[i+1].text
		var alg, secret string
		j := i + 3
		for ; j < len(toks) && toks[j].text != "}"; j++ {
			if j+1 >= len(toks) {
				break
			}
			switch toks[j].text {
			case "algorithm":
				alg = toks[j+1].text
			case "secret":
				secret = toks[j+1].text
			}
		}
		if j >= len(toks) || toks[j].text != "}" {
			return nil, fmt.Errorf("%s:%d: key %q: unterminated block", path, t.line, name)
		}
		k, err := NewKey(name, alg, secret)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, t.line, err)
		}
		keys = append(keys, k)
		i = j
	}
	return keys, nil
}

type token struct {
	text   string
	quoted bool
	line   int
}

func tokens(data []byte, path string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#' || (c == '/' && i+1 < len(data) && data[i+1] == '/'):
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			start := line
			end := strings.Index(string(data[i+2:]), "*/")
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated comment", path, start)
			}
			line += strings.Count(string(data[i:i+2+end]), "\n")
			i += end + 4
		case c == '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\n' {
					line++
				}
				j++
			}
			if j >= len(data) {
				return nil, fmt.Errorf("%s:%d: unterminated string", path, line)
			}
			toks = append(toks, token{text: string(data[i+1 : j]), quoted: true, line: line})
			i = j + 1
		case c == '{' || c == '}' || c == ';':
			toks = append(toks, token{text: string(c), line: line})
			i++
		default:
			j := i
			for j < len(data) && !strings.ContainsRune(" \t\r\n{};\"", rune(data[j])) {
				j++
			}
			toks = append(toks, token{text: string(data[i:j]), line: line})
			i = j
		}
	}
	return toks, nil
}
