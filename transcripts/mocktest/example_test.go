package mocktest_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/smtprepl/smtprepl/transcripts/mocktest"
)

// In a test, t is the test's *testing.T. Here printT stands in for it,
// so that the example shows what the test would report.
func ExampleStart() {
	t := printT{}
	m := mocktest.Start(t, "testdata/submission.txt", mocktest.User("reports", "s3cret"))
	app := weekly                   // the code under test: net/smtp, in app_test.go
	app.to = "bob@customer.example" // the bug the test is there for
	if err := app.send(m.Addr, m.TLSConfig()); err != nil {
		t.Errorf("send: %v", err)
	}
	m.Stop() // otherwise the end of the test stops it
	for _, msg := range m.Messages() {
		p, _ := msg.Parse()
		fmt.Println("received:", msg.MailFrom, "->", msg.RcptTo, "as", msg.AuthUser, "over TLS:", msg.TLS)
		fmt.Println("Subject:", p.Header.Get("Subject"))
	}
	// Output:
	// FAIL: smtprepl mock, connection 1: step 7: got "RCPT TO:<bob@customer.example>", recorded "RCPT TO:<alice@customer.example>"
	// FAIL: smtprepl mock, connection 1: step 9: message line 2 is "To: bob@customer.example", recorded "To: alice@customer.example"
	// received: reports@app.example -> [bob@customer.example] as reports over TLS: true
	// Subject: Your weekly report
}

// printT prints what a mock reports through t.
type printT struct{ testing.TB }

func (printT) Helper()          {}
func (printT) Cleanup(f func()) {}
func (printT) Errorf(format string, args ...any) {
	fmt.Printf("FAIL: "+format+"\n", args...)
}
func (printT) Fatalf(format string, args ...any) {
	fmt.Printf("FATAL: "+format+"\n", args...)
	os.Exit(1)
}
