package mx_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/mx/mxtest"
)

var update = flag.Bool("update", false, "rewrite testdata/report/*.golden from what Report says now")

// TestReport keeps what the shell prints for :mx in golden files. The
// resolver's address varies between runs, so it is replaced by RESOLVER.
func TestReport(t *testing.T) {
	srv := mxtest.Start(t, zone)
	res, err := mx.NewResolver(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, domain := range []string{"multi.test", "bare.test", "nullmx.test", "mixednull.test", "half.test", "alias.test", "literal.test"} {
		t.Run(domain, func(t *testing.T) {
			r, err := res.Route(context.Background(), domain, rand.New(rand.NewPCG(3, 4)))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(r.Report(), srv.Addr, "RESOLVER") + "\n"
			path := filepath.Join("testdata", "report", domain+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./mx -run TestReport -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Report for %s (-golden +got):\n%s", domain, diff)
			}
		})
	}
}

// TestReportEscapesNames: a zone can hold any octet in a name; none of
// them reaches the terminal raw.
func TestReportEscapesNames(t *testing.T) {
	srv := mxtest.Start(t, "evil.test. MX 10 a\\027[2Jb.evil.test.\na\\027[2Jb.evil.test. A 192.0.2.1\n")
	res, err := mx.NewResolver(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := res.Route(context.Background(), "evil.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep := r.Report(); strings.ContainsRune(rep, 0x1b) {
		t.Fatalf("an escape character reached the report: %q", rep)
	}
}
