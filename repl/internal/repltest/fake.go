// Package repltest holds what the tests of repl and its terminal share
// beyond terminal safety (proto/visible/visibletest): a fake server and
// a practice server to run against.
// Only tests import it.
package repltest

import (
	"bufio"
	"net"
	"testing"
)

// FakeServer greets, answers 250 to everything except SLOW (never) and
// DROP (hangs up), and reports each line it reads.
func FakeServer(t testing.TB) (addr string, lines <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFake(c, ch)
		}
	}()
	return ln.Addr().String(), ch
}

func serveFake(c net.Conn, ch chan<- string) {
	defer c.Close()
	c.Write([]byte("220 fake.example ESMTP\r\n"))
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		ch <- sc.Text()
		switch sc.Text() {
		case "SLOW":
		case "DROP":
			return
		default:
			c.Write([]byte("250 ok\r\n"))
		}
	}
}
