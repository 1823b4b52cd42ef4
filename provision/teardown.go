package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/ddbtable"
)

// Resource kinds spk manages.
const (
	KindStream     = "stream"
	KindAggregate  = "aggregate table"
	KindLeaseTable = "lease table"
)

// Resource is one thing teardown may delete.
type Resource struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// IfPresent marks a resource spk may have made, such as a built-in
	// example's view table: it is deleted when it exists and left out of
	// the plan when it does not.
	IfPresent bool `json:"-"`
}

// Resources are the tutorial's three resources for an app.
func Resources(stream, table, app string) []Resource {
	return []Resource{{Kind: KindStream, Name: stream}, {Kind: KindAggregate, Name: table}, {Kind: KindLeaseTable, Name: app}}
}

// Fate is what happened, or will happen, to a resource.
type Fate string

// The fates teardown reports.
const (
	FateDelete  Fate = "will be deleted"
	FateMissing Fate = "missing"
	FateRefused Fate = "refused"
	FateDeleted Fate = "deleted"
	FateFailed  Fate = "failed"
)

// PlanItem is one resource in a teardown plan.
type PlanItem struct {
	Resource
	Fate   Fate   `json:"fate"`
	Reason string `json:"reason,omitempty"`
	Err    error  `json:"-"`
	Error  string `json:"error,omitempty"`
}

// PlanTeardown looks at each resource: missing ones are fine, and one
// without spk's tag is refused unless force is set, so spk never deletes what
// it did not create. Only spk's own embedded endpoint is exempt: everything
// there is spk's. (AWS, and any other endpoint such as a shared emulator, is
// checked.)
func PlanTeardown(ctx context.Context, c *Clients, resources []Resource, force bool) []PlanItem {
	plan := make([]PlanItem, 0, len(resources))
	// The address of spk's embedded endpoint may be another emulator's
	// (4566 is LocalStack's port too): only an endpoint that answers as
	// spk local is exempt from the tag check.
	exempt := c.Target.Embedded && IsSpkLocal(ctx, c.Target.KinesisEndpoint)
	for _, r := range resources {
		item := PlanItem{Resource: r, Fate: FateDelete}
		tags, exists, err := resourceTags(ctx, c, r, exempt)
		switch {
		case r.IfPresent && (err == nil && !exists || retry.Denied(err)):
			// Never made, or not the caller's to read: not the app's.
			continue
		case err != nil:
			item.Fate, item.Err = FateFailed, err
		case !exists:
			item.Fate = FateMissing
		case r.IfPresent && !exempt && tags[TagKey] == "":
			// A table of that name that spk up --example did not make
			// (it tags what it makes): the user's, not the app's, even
			// with --force.
			continue
		case !exempt && !force && tags[TagKey] == "":
			item.Fate, item.Reason = FateRefused, fmt.Sprintf("it has no %s tag, so spk did not create it; use --force to delete it anyway", TagKey)
		}
		plan = append(plan, item)
	}
	return plan
}

// LeftViewTable is a view's own table whose view is no longer configured.
type LeftViewTable struct {
	Table, View string
	Err         error // its tags could not be read (View is then empty)
}

// FindLeftViewTables finds the view tables a teardown of the app would
// otherwise leave behind (and, on AWS, keep billing): those of views since
// removed from spk.yaml or renamed. They are the tables named as a view's
// table is by default, "<table>-<view>", that spk tagged with the app, the
// stream and the view as it made them (create-table tags no view), and
// that named does not hold already. A view table named otherwise (a view's
// table: key) is found only while the view is configured. A table whose
// tags cannot be read is returned with the error; so is a failed listing,
// as the table "<table>-*". Credentials that may not list or describe
// tables find none, as they may not be asked to.
func FindLeftViewTables(ctx context.Context, c *Clients, table, app, stream string, named map[string]bool) []LeftViewTable {
	prefix := table + "-"
	var left []LeftViewTable
	pages := dynamodb.NewListTablesPaginator(c.DynamoDB, &dynamodb.ListTablesInput{})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if retry.Denied(err) {
			return left
		}
		if err != nil {
			return append(left, LeftViewTable{Table: prefix + "*", Err: fmt.Errorf("list tables: %w", err)})
		}
		for _, name := range out.TableNames {
			if !strings.HasPrefix(name, prefix) || named[name] {
				continue
			}
			// Read on every endpoint, spk's own too: the name alone does
			// not make a table the app's.
			tags, exists, err := resourceTags(ctx, c, Resource{Kind: KindAggregate, Name: name}, false)
			switch {
			case err == nil && !exists, retry.Denied(err):
				continue
			case err != nil:
				left = append(left, LeftViewTable{Table: name, Err: err})
			case tags[TagKey] == app && tags[ddbtable.StreamTagKey] == stream && tags[ddbtable.ViewTagKey] != "":
				// A view's own table, by the tag spk gives only those: a
				// table made by create-table (tagged with the app and the
				// stream too) is the user's to keep.
				left = append(left, LeftViewTable{Table: name, View: tags[ddbtable.ViewTagKey]})
			}
		}
	}
	return left
}

// PlanLeftViewTables plans the deletion of the tables FindLeftViewTables
// finds, saying why; one whose tags cannot be read is planned as failed.
// known are the resources the teardown names already.
func PlanLeftViewTables(ctx context.Context, c *Clients, table, app, stream string, known []Resource) []PlanItem {
	named := map[string]bool{}
	for _, r := range known {
		if r.Kind != KindStream {
			named[r.Name] = true
		}
	}
	var plan []PlanItem
	for _, l := range FindLeftViewTables(ctx, c, table, app, stream, named) {
		r := Resource{Kind: KindAggregate, Name: l.Table}
		if l.Err != nil {
			plan = append(plan, PlanItem{Resource: r, Fate: FateFailed, Err: l.Err})
			continue
		}
		plan = append(plan, PlanItem{Resource: r, Fate: FateDelete,
			Reason: fmt.Sprintf("view %s is no longer configured, and its table is tagged %s=%s, %s=%s", l.View, TagKey, app, ddbtable.StreamTagKey, stream)})
	}
	return plan
}

func resourceTags(ctx context.Context, c *Clients, r Resource, exempt bool) (map[string]string, bool, error) {
	tags := map[string]string{}
	if r.Kind == KindStream {
		out, err := c.Kinesis.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String(r.Name)})
		if isNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("list tags of stream %q: %w", r.Name, err)
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return tags, true, nil
	}
	desc, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(r.Name)})
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("describe table %q: %w", r.Name, err)
	}
	if exempt {
		return tags, true, nil // not checked on spk's own endpoint
	}
	if desc.Table.TableStatus == dtypes.TableStatusCreating {
		// DynamoDB shows the tags CreateTable was given once the table is
		// ACTIVE, and deletes no table before then: a table left CREATING
		// by an interrupted run is waited for.
		w := dynamodb.NewTableExistsWaiter(c.DynamoDB, func(o *dynamodb.TableExistsWaiterOptions) {
			waitDelays(c.DynamoDB.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
		})
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(r.Name)}, waitTimeout); err != nil {
			return nil, false, fmt.Errorf("wait for table %q to become ACTIVE: %w", r.Name, err)
		}
	}
	out, err := c.DynamoDB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: desc.Table.TableArn})
	if err != nil {
		return nil, false, fmt.Errorf("list tags of table %q: %w", r.Name, err)
	}
	for _, t := range out.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, true, nil
}

// Teardown deletes every resource the plan marks for deletion and waits until
// each is gone. It goes on after a failure and returns every error as one
// (*NotDeletedError); the plan items record each resource's fate.
func Teardown(ctx context.Context, c *Clients, plan []PlanItem, progress Progress) error {
	failed := &NotDeletedError{}
	for i := range plan {
		item := &plan[i]
		switch item.Fate {
		case FateFailed:
			failed.add(item, item.Err)
			continue
		case FateRefused:
			failed.add(item, fmt.Errorf("%s %q not deleted: %s", item.Kind, item.Name, item.Reason))
			continue
		case FateMissing:
			continue
		}
		progress.say("deleting %s %s", item.Kind, item.Name)
		if err := deleteResource(ctx, c, item.Resource); err != nil {
			item.Fate, item.Err = FateFailed, err
			failed.add(item, err)
			continue
		}
		item.Fate = FateDeleted
	}
	for i := range plan {
		if plan[i].Err != nil {
			plan[i].Error = plan[i].Err.Error()
		}
	}
	if len(failed.errs) == 0 {
		return nil
	}
	return failed
}

// NotDeletedError is what teardown could not delete: one resource's own
// error, or, for several, one line naming them (each one's reason is in
// the plan's table), where the errors joined made a line apiece.
type NotDeletedError struct {
	names []string
	errs  []error
}

func (e *NotDeletedError) add(item *PlanItem, err error) {
	e.names = append(e.names, fmt.Sprintf("%s %q", item.Kind, item.Name))
	e.errs = append(e.errs, err)
}

func (e *NotDeletedError) Error() string {
	if len(e.errs) == 1 {
		return e.errs[0].Error()
	}
	return fmt.Sprintf("%d resources not deleted: %s; the table above says why for each", len(e.errs), strings.Join(e.names, ", "))
}

// Unwrap gives every resource's error, for errors.Is and errors.As.
func (e *NotDeletedError) Unwrap() []error { return e.errs }

func deleteResource(ctx context.Context, c *Clients, r Resource) error {
	if r.Kind == KindStream {
		del := func() error {
			_, err := c.Kinesis.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(r.Name), EnforceConsumerDeletion: aws.Bool(true)})
			return err
		}
		err := del()
		if isInUse(err) {
			// Still CREATING or UPDATING (a set-up cut short): let it settle.
			w := kinesis.NewStreamExistsWaiter(c.Kinesis, func(o *kinesis.StreamExistsWaiterOptions) {
				waitDelays(c.Kinesis.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
			})
			if err = w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(r.Name), Limit: aws.Int32(1)}, waitTimeout); err == nil {
				err = del()
			}
		}
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("delete stream %q: %w", r.Name, err)
		}
		if err := waitStreamGone(ctx, c.Kinesis, r.Name); err != nil {
			return fmt.Errorf("wait for stream %q to be deleted: %w", r.Name, err)
		}
		return nil
	}
	del := func() error {
		_, err := c.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(r.Name)})
		return err
	}
	err := del()
	if isInUse(err) && tableGoing(ctx, c.DynamoDB, r.Name) {
		// Already being deleted (an endpoint that answers a second delete
		// so): only the wait is left. Waiting for it to be ACTIVE would
		// wait out waitTimeout once it is gone.
		err = nil
	}
	if isInUse(err) {
		w := dynamodb.NewTableExistsWaiter(c.DynamoDB, func(o *dynamodb.TableExistsWaiterOptions) {
			waitDelays(c.DynamoDB.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
		})
		if err = w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(r.Name)}, waitTimeout); err == nil {
			err = del()
		}
	}
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s %q: %w", r.Kind, r.Name, err)
	}
	if err := waitTableGone(ctx, c.DynamoDB, r.Name); err != nil {
		return fmt.Errorf("wait for %s %q to be deleted: %w", r.Kind, r.Name, err)
	}
	return nil
}

// isInUse recognises a resource that is busy being created or updated.
func isInUse(err error) bool {
	var api interface{ ErrorCode() string }
	return errors.As(err, &api) && api.ErrorCode() == "ResourceInUseException"
}

func waitTableGone(ctx context.Context, db *dynamodb.Client, name string) error {
	w := dynamodb.NewTableNotExistsWaiter(db, func(o *dynamodb.TableNotExistsWaiterOptions) {
		waitDelays(db.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
	})
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, waitTimeout)
}

// tableGoing reports whether the table is DELETING or gone already.
func tableGoing(ctx context.Context, db *dynamodb.Client, name string) bool {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if isNotFound(err) {
		return true
	}
	return err == nil && out.Table != nil && out.Table.TableStatus == dtypes.TableStatusDeleting
}
