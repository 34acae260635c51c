package queue

import (
	"reflect"
	"testing"
	"time"
)

func TestCallVolume(t *testing.T) {
	m := time.Minute
	outs := []Outcome{
		{Queue: "billing", State: Accepted, Waited: 2 * m, Session: 10 * m, SessionOver: true},
		{Queue: "billing", State: Accepted, Waited: 4 * m}, // its session goes on
		{Queue: "billing", State: Transferred, Waited: 6 * m, Session: 5 * m, SessionOver: true},
		{Queue: "billing", State: Abandoned, Waited: 9 * m},
		{Queue: "billing", State: Waiting, Waited: m},
		{Queue: "tier-2", State: Abandoned, Waited: 3 * m, Transfer: true},
		{Queue: "", State: Accepted, Waited: m, Transfer: true, Session: 20 * m, SessionOver: true},
	}
	want := []Volume{
		{Queue: "billing", Requests: 5, Successful: 3, Abandoned: 1, Waiting: 1,
			Wait:          Span{N: 3, Min: 2 * m, Avg: 4 * m, Max: 6 * m},
			AbandonedWait: Span{N: 1, Min: 9 * m, Avg: 9 * m, Max: 9 * m},
			Session:       Span{N: 2, Min: 5 * m, Avg: 7*m + 30*time.Second, Max: 10 * m}},
		{Queue: "tier-2", Requests: 1, Abandoned: 1, AbandonedWait: Span{N: 1, Min: 3 * m, Avg: 3 * m, Max: 3 * m}},
		{Queue: "", Requests: 1, Successful: 1, Wait: Span{N: 1, Min: m, Avg: m, Max: m}, Session: Span{N: 1, Min: 20 * m, Avg: 20 * m, Max: 20 * m}},
	}
	if got := CallVolume(outs); !reflect.DeepEqual(got, want) {
		t.Errorf("CallVolume =\n%+v\nwant\n%+v", got, want)
	}
	if got := CallVolume(nil); len(got) != 0 {
		t.Errorf("CallVolume(nil) = %+v", got)
	}
}

func TestReferrals(t *testing.T) {
	const faq, shop = "https://example.com/faq", "https://shop.example.com/"
	outs := []Outcome{
		{Referrer: shop, State: Accepted},
		{Referrer: shop, State: Abandoned},
		{Referrer: shop, State: Transferred},
		{Referrer: shop, State: Accepted, Transfer: true}, // the same customer, transferred: not again
		{Referrer: faq, State: Waiting},
		{Referrer: faq, State: Accepted},
		{Referrer: "", State: Accepted},
	}
	want := []Referral{{URL: shop, Requests: 3, Successful: 2}, {URL: faq, Requests: 2, Successful: 1}, {URL: "", Requests: 1, Successful: 1}}
	if got := Referrals(outs); !reflect.DeepEqual(got, want) {
		t.Errorf("Referrals = %+v, want %+v", got, want)
	}
}
