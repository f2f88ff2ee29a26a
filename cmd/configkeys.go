package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// configKey is one key of the config file, found by reflection on rawConfig.
type configKey struct {
	Name string // dotted for nested keys: zone_template.primary
	Type reflect.Type
}

// Leaf says whether the key's value is text, a number, a duration, a
// boolean or a list of those: its RDNSCTL_* variable holds the value itself
// (a list separated by commas). Other keys (a list of maps, such as
// defaults) take their value from the variable as YAML.
func (k configKey) Leaf() bool {
	t := k.Type
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t.Kind() != reflect.Struct && t.Kind() != reflect.Map
}

// Env is the key's environment variable: RDNSCTL_ZONE_TEMPLATE_PRIMARY.
func (k configKey) Env() string { return envName(k.Name) }

func envName(key string) string {
	return "RDNSCTL_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

var rawConfigType = reflect.TypeFor[rawConfig]()

// configKeys lists every key of the config file, parents before their
// children.
func configKeys() []configKey {
	var out []configKey
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for _, f := range reflect.VisibleFields(t) {
			name, ok := fieldKey(f)
			if !ok {
				continue
			}
			k := configKey{Name: prefix + name, Type: f.Type}
			out = append(out, k)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, k.Name+".")
			}
		}
	}
	walk(rawConfigType, "")
	return out
}

// fieldKey is the config key of a struct field: its mapstructure tag, else
// its name in lower case (as mapstructure matches it).
func fieldKey(f reflect.StructField) (string, bool) {
	if !f.IsExported() || f.Anonymous {
		return "", false
	}
	tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
	if tag == "-" {
		return "", false
	}
	if tag == "" {
		tag = strings.ToLower(f.Name)
	}
	return tag, true
}

// bindEnv makes every key settable from its RDNSCTL_* variable, with the
// precedence flag > environment > file: leaf keys are bound to their
// variable; a structured key's variable is read as YAML.
func bindEnv(v *viper.Viper) error {
	for _, k := range configKeys() {
		if k.Leaf() {
			if err := v.BindEnv(k.Name, k.Env()); err != nil {
				return err
			}
			continue
		}
		s, ok := os.LookupEnv(k.Env())
		if !ok || s == "" {
			continue
		}
		var val any
		if err := yaml.Unmarshal([]byte(s), &val); err != nil {
			return usageErrorf("%s: %v", k.Env(), err)
		}
		if err := checkValue(val, k.Type, k.Env(), k.Env()); err != nil {
			return err
		}
		v.Set(k.Name, val)
	}
	return nil
}

// unknownEnv lists the RDNSCTL_* variables of env (os.Environ form) that
// name no config key, each with the key it probably meant.
func unknownEnv(env []string) []string {
	known := map[string]bool{"RDNSCTL_CONFIG": true}
	var names []string
	for _, k := range configKeys() {
		known[k.Env()] = true
		names = append(names, k.Env())
	}
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "RDNSCTL_") || known[name] {
			continue
		}
		msg := name + " is not a setting of rdnsctl; ignored"
		if s := suggest(name, names); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

// checkConfigKeys refuses a config file with a key rdnsctl does not know:
// a misspelled key would otherwise be ignored without a word.
func checkConfigKeys(file string) error {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".yaml", ".yml", ".json", "":
		b, err := os.ReadFile(file)
		if err != nil {
			return usageErrorf("config %s: %v", file, err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return usageErrorf("config %s: %v", file, err)
		}
		if len(doc.Content) == 0 {
			return nil
		}
		return checkNode(doc.Content[0], rawConfigType, file, "")
	}
	// other formats viper reads (TOML, ...): the keys without their lines
	fv := viper.New()
	fv.SetConfigFile(file)
	if err := fv.ReadInConfig(); err != nil {
		return usageErrorf("config %s: %v", file, err)
	}
	return checkValue(fv.AllSettings(), rawConfigType, file, "")
}

// checkNode checks the keys of a YAML node against the schema type t.
func checkNode(n *yaml.Node, t reflect.Type, file, path string) error {
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			f, ok := schemaField(t, kn.Value)
			if !ok {
				return unknownKey(fmt.Sprintf("%s:%d", file, kn.Line), path+kn.Value, t)
			}
			if err := checkNode(vn, f.Type, file, path+kn.Value+"."); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			if err := checkNode(item, t.Elem(), file, fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkValue is checkNode for a decoded value (no lines known).
func checkValue(val any, t reflect.Type, where, path string) error {
	switch x := val.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := schemaField(t, k)
			if !ok {
				return unknownKey(where, path+k, t)
			}
			if err := checkValue(x[k], f.Type, where, path+k+"."); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for i, item := range x {
			if err := checkValue(item, t.Elem(), where, fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func schemaField(t reflect.Type, key string) (reflect.StructField, bool) {
	for _, f := range reflect.VisibleFields(t) {
		if name, ok := fieldKey(f); ok && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func unknownKey(where, key string, t reflect.Type) error {
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		if name, ok := fieldKey(f); ok {
			names = append(names, name)
		}
	}
	last := key
	if i := strings.LastIndexAny(key, ".]"); i >= 0 {
		last = key[i+1:]
	}
	msg := fmt.Sprintf("%s: unknown config key %q", where, key)
	if s := suggest(last, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else {
		msg += " (known here: " + strings.Join(names, ", ") + ")"
	}
	return usageErrorf("%s", msg)
}

// checkDurations refuses a duration key whose value is not a duration with
// a unit ("30s", "2m"): a bare 30 would otherwise mean 30 nanoseconds.
func checkDurations(v *viper.Viper, file string) error {
	for _, k := range configKeys() {
		if k.Type != reflect.TypeFor[time.Duration]() || !v.IsSet(k.Name) {
			continue
		}
		s := v.GetString(k.Name)
		if _, err := time.ParseDuration(s); err != nil {
			where := configSource(file)
			if _, ok := os.LookupEnv(k.Env()); ok {
				where = k.Env()
			}
			return usageErrorf("%s: %s %q: want a duration with its unit (30s, 2m, 1h)", where, k.Name, s)
		}
	}
	return nil
}

// suggest returns the candidate closest to s when it is close enough to be
// a misspelling of it (at most two edits), else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD && d < len(s) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
