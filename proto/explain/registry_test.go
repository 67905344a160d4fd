package explain

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// readRegistry reads a registry copy: a comment line, a header line naming
// the columns, then one row per entry. Rows come back as column -> value.
func readRegistry(t *testing.T, name string, columns ...string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "registries", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "#") {
		t.Fatalf("%s: first line is not a comment", name)
	}
	if !sc.Scan() {
		t.Fatalf("%s: no header", name)
	}
	if diff := cmp.Diff(columns, strings.Split(sc.Text(), "\t")); diff != "" {
		t.Fatalf("%s: header mismatch (-want +got):\n%s", name, diff)
	}
	var rows []map[string]string
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "\t")
		if len(cells) != len(columns) {
			t.Fatalf("%s: row %q has %d cells, want %d", name, sc.Text(), len(cells), len(columns))
		}
		row := make(map[string]string, len(columns))
		for i, c := range columns {
			row[c] = cells[i]
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

var rfcNumber = regexp.MustCompile(`RFC ?(\d+)`)

// wantReferences is what our RFC field must mention for a registry
// reference: each RFC it names ("RFC7505 RFC7504"), or else its first word
// (a draft name).
func wantReferences(reference string) []string {
	var want []string
	for _, m := range rfcNumber.FindAllStringSubmatch(reference, -1) {
		want = append(want, "RFC "+m[1])
	}
	if len(want) == 0 {
		want = append(want, strings.Fields(reference)[0])
	}
	return want
}

func checkReferences(t *testing.T, what, got, reference string) {
	t.Helper()
	for _, want := range wantReferences(reference) {
		if !strings.Contains(got, want) {
			t.Errorf("%s: RFC = %q, want it to mention %q (registry: %q)", what, got, want, reference)
		}
	}
}

func TestRegistryReplyCodes(t *testing.T) {
	rows := readRegistry(t, "reply-codes.tsv", "code", "rfc_text", "meaning", "reference")
	for _, row := range rows {
		code, err := strconv.Atoi(row["code"])
		if err != nil {
			t.Fatal(err)
		}
		c, ok := LookupCode(code)
		if !ok {
			t.Errorf("LookupCode(%d): not in our table (%s)", code, row["reference"])
			continue
		}
		// A parenthesised rfc_text is the registry's note, not an RFC phrase.
		if text := row["rfc_text"]; !strings.HasPrefix(text, "(") && !strings.Contains(c.Title, text) {
			t.Errorf("LookupCode(%d).Title = %q, want it to contain %q", code, c.Title, text)
		}
		checkReferences(t, row["code"], c.RFC, row["reference"])
	}
}

func TestRegistryEnhancedCodes(t *testing.T) {
	rows := readRegistry(t, "enhanced-status-codes.tsv", "code", "iana_name", "meaning", "basic_codes", "reference", "added_by")
	registered := make(map[enhancedKey]bool)
	for _, row := range rows {
		status, ok := parseStatus(row["code"])
		if !ok || status[0] != 0 {
			t.Fatalf("registry code %q is not X.s.d", row["code"])
		}
		registered[enhancedKey{status[1], status[2]}] = true
		e, ok := LookupEnhanced(0, status[1], status[2])
		if !ok {
			t.Errorf("LookupEnhanced(%s): not in our table", row["code"])
			continue
		}
		if name := row["iana_name"]; !strings.HasPrefix(name, "(") && e.Name != name {
			t.Errorf("%s: Name = %q, want %q", row["code"], e.Name, name)
		}
		basic := strings.Fields(strings.ReplaceAll(row["basic_codes"], "-", ""))
		if diff := cmp.Diff(basic, e.BasicCodes, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: BasicCodes mismatch (-want +got):\n%s", row["code"], diff)
		}
		checkReferences(t, row["code"], e.RFC, row["reference"])
	}
	for _, e := range enhancedEntries() {
		if !registered[enhancedKey{e.subject, e.detail}] {
			t.Errorf("X.%d.%d is in our table but not in the registry", e.subject, e.detail)
		}
	}
}

func TestRegistryExtensions(t *testing.T) {
	rows := readRegistry(t, "smtp-extensions.tsv", "keyword", "description", "reference", "status")
	registered := make(map[string]bool)
	for _, row := range rows {
		keyword := row["keyword"]
		registered[keyword] = true
		e, ok := LookupExtension(keyword)
		if !ok {
			t.Errorf("LookupExtension(%q): not in our table", keyword)
			continue
		}
		want := Extension{Keyword: keyword, Name: row["description"], Status: row["status"]}
		got := Extension{Keyword: e.Keyword, Name: e.Name, Status: e.Status}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LookupExtension(%q) mismatch (-want +got):\n%s", keyword, diff)
		}
		if ref := row["reference"]; strings.HasPrefix(ref, "none") {
			if !strings.Contains(e.RFC, "sendmail") {
				t.Errorf("%s: RFC = %q, want it to credit sendmail", keyword, e.RFC)
			}
		} else {
			checkReferences(t, keyword, e.RFC, ref)
		}
	}
	for _, e := range extensionEntries() {
		if registered[e.Keyword] != (e.Status != statusUnregistered) {
			t.Errorf("%s: status %q, but registered = %v", e.Keyword, e.Status, registered[e.Keyword])
		}
	}
}
