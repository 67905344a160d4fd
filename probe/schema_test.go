package probe_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/probe"
)

//go:embed schema.json
var schemaJSON []byte

// validate checks doc against the subset of JSON Schema that schema.json
// uses: type, const, enum, required, properties, additionalProperties,
// items, $ref, minimum, maximum, pattern and the date-time format. It is
// small on purpose: a dependency for a test of one file would be more.
func validate(root, schema map[string]any, doc any, path string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return validate(root, root["$defs"].(map[string]any)[name].(map[string]any), doc, path)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	if c, ok := schema["const"]; ok && c != doc {
		fail("is %v, want %v", doc, c)
	}
	if e, ok := schema["enum"].([]any); ok && !slices.Contains(e, doc) {
		fail("%v is not one of %v", doc, e)
	}
	switch schema["type"] {
	case "object":
		obj, ok := doc.(map[string]any)
		if !ok {
			fail("is %T, want an object", doc)
			return errs
		}
		props, _ := schema["properties"].(map[string]any)
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := obj[r.(string)]; !ok {
				fail("lacks %q", r)
			}
		}
		for k, v := range obj {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					fail("has %q, which the schema does not name", k)
				}
				continue
			}
			errs = append(errs, validate(root, sub, v, path+"."+k)...)
		}
	case "array":
		arr, ok := doc.([]any)
		if !ok {
			fail("is %T, want an array", doc)
			return errs
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range arr {
				errs = append(errs, validate(root, items, v, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case "string":
		s, ok := doc.(string)
		if !ok {
			fail("is %T, want a string", doc)
			return errs
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			fail("%q does not match %s", s, p)
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				fail("%q is not a date-time", s)
			}
		}
	case "integer", "number":
		n, ok := doc.(float64)
		if !ok {
			fail("is %T, want a number", doc)
			return errs
		}
		if schema["type"] == "integer" && n != float64(int64(n)) {
			fail("%v is not an integer", n)
		}
		if m, ok := schema["minimum"].(float64); ok && n < m {
			fail("%v is below %v", n, m)
		}
		if m, ok := schema["maximum"].(float64); ok && n > m {
			fail("%v is above %v", n, m)
		}
	case "boolean":
		if _, ok := doc.(bool); !ok {
			fail("is %T, want a boolean", doc)
		}
	}
	return errs
}

func checkSchema(t *testing.T, rep *probe.Report) {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, e := range validate(root, root, doc, "$") {
		t.Error(e)
	}
}

func TestSchemaValidatesReports(t *testing.T) {
	srv, ports := startSandbox(t)
	rep, err := probe.Run(context.Background(), "127.0.0.1", probe.Options{Ports: ports, Timeout: 5 * time.Second, RootPEM: srv.CertPEM()})
	if err != nil {
		t.Fatal(err)
	}
	checkSchema(t, rep)
	unreached, err := probe.Run(context.Background(), "127.0.0.1:1", probe.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkSchema(t, unreached)
}

// TestSchemaValidatorFails: the validator above would pass anything if
// it were broken; these documents must each fail.
func TestSchemaValidatorFails(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{
		`{}`,
		`{"version":2,"target":"x","hosts":[],"findings":[],"started":"2026-12-07T00:00:00Z","elapsed_ms":1}`,
		`{"version":1,"target":"x","hosts":[],"findings":[],"started":"yesterday","elapsed_ms":1}`,
		`{"version":1,"target":"x","hosts":[],"findings":[{"severity":"fatal","key":"k","text":"t","explain":"e"}],"started":"2026-12-07T00:00:00Z","elapsed_ms":1}`,
		`{"version":1,"target":"x","hosts":[],"findings":[],"started":"2026-12-07T00:00:00Z","elapsed_ms":1,"surprise":true}`,
		`{"version":1,"target":"x","hosts":[{"name":"h","ports":[{"port":25}]}],"findings":[],"started":"2026-12-07T00:00:00Z","elapsed_ms":1}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(root, root, v, "$"); len(errs) == 0 {
			t.Errorf("%s passed the schema", doc)
		}
	}
}
