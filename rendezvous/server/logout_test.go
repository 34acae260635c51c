package server_test

import (
	"context"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// Logging out closes the control connections that login opened, so that a
// deleted token cannot go on acting through a WebSocket it opened before;
// another login of the same account keeps its own.
func TestLogoutClosesItsConnections(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol", "csr", "logout-test-password")
	login := func() *client.Client {
		c := ts.Client()
		if _, err := c.Login(ctxT(t), "carol@example.com", "logout-test-password"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	desk, laptop := login(), login()
	deskConn, laptopConn := dial(t, desk), dial(t, laptop)

	must(t, desk.Logout(ctxT(t)))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, err := deskConn.Recv(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("the logged-out login's connection is still open")
			}
			break // closed by the server
		}
	}

	// The other login still works over its connection.
	created, err := laptop.CreateSession(ctxT(t), "", "")
	must(t, err)
	p := &party{t: t, name: "laptop", api: laptop, conn: laptopConn, session: created.ID, pid: created.ParticipantID}
	p.attach(0)
}
