package mocktest_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
)

// report is what the app under test mails.
type report struct {
	user, password string // its submission account
	to, subject    string
	retries        int // how often a 4xx is tried again
}

var weekly = report{user: "reports", password: "s3cret", to: "alice@customer.example", subject: "Your weekly report", retries: 1}

// send is the app under test: a Go service mailing a report with net/smtp,
// STARTTLS and AUTH when the server offers them, trying again after a 4xx.
func (r report) send(addr string, tlsConf *tls.Config) error {
	err := r.sendOnce(addr, tlsConf)
	for i := 0; i < r.retries && temporary(err); i++ {
		err = r.sendOnce(addr, tlsConf)
	}
	return err
}

func temporary(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code/100 == 4
}

func (r report) sendOnce(addr string, tlsConf *tls.Config) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(tlsConf); err != nil {
			return err
		}
	}
	if ok, _ := c.Extension("AUTH"); ok {
		host, _, _ := net.SplitHostPort(addr)
		if err := c.Auth(smtp.PlainAuth("", r.user, r.password, host)); err != nil {
			c.Quit()
			return err
		}
	}
	if err := r.deliver(c); err != nil {
		c.Quit()
		return err
	}
	return c.Quit()
}

func (r report) deliver(c *smtp.Client) error {
	if err := c.Mail("reports@app.example"); err != nil {
		return err
	}
	if err := c.Rcpt(r.to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From: Reports <reports@app.example>\r\nTo: %s\r\nSubject: %s\r\n", r.to, r.subject)
	fmt.Fprintf(w, "Date: Mon, 7 Dec 2026 20:00:00 +0000\r\nMessage-Id: <%x@app.example>\r\n\r\n", 12345)
	fmt.Fprintf(w, "Hello Alice,\r\n\r\nYou sent %d messages this week.\r\n", 42)
	return w.Close()
}

// app runs in each test as the app would, with a change to see the mock
// catch it.
type appCase struct {
	name   string
	file   string
	change func(*report)
	fails  string // what the mock reports; "" when the app behaves as recorded
}

var appCases = []appCase{
	{name: "as recorded", file: "testdata/submission.txt"},
	{name: "wrong recipient", file: "testdata/submission.txt", change: func(r *report) { r.to = "bob@customer.example" },
		fails: `got "RCPT TO:<bob@customer.example>", recorded "RCPT TO:<alice@customer.example>"`},
	{name: "wrong password", file: "testdata/submission.txt", change: func(r *report) { r.password = "wrong" },
		fails: "AUTH PLAIN: wrong credentials"},
	{name: "changed Subject", file: "testdata/submission.txt", change: func(r *report) { r.subject = "Weekly report" },
		fails: `message line 3 is "Subject: Weekly report", recorded "Subject: Your weekly report"`},
	{name: "retried after 451", file: "testdata/retry.txt"},
	{name: "missing retry", file: "testdata/retry.txt", change: func(r *report) { r.retries = 0 },
		fails: "the recording has 2 session(s), but only 1 connection(s) came"},
}
