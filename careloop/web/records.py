"""The write path every staff form shares: scope, save, audit, in one transaction."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render

from careloop.audit.actions import record_change, record_view


def save_practice_record(form, *, request, client_of=None):
    """Save a PracticeModelForm's object into the request's practice.

    `client_of(obj)` names the client the record is about; when it does, the change
    is written to the audit log in the same transaction, so there is no change
    without its audit row.
    """
    with transaction.atomic():
        obj = form.save(commit=False)
        created = obj.pk is None
        if created:
            obj.practice = request.practice
        obj.save()
        form.save_m2m()
        client = client_of(obj) if client_of else None
        if client is not None:
            record_change(
                request, obj, client=client, created=created, changed_fields=form.changed_data
            )
    return obj


def practice_member_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if request.practice is None:
            raise PermissionDenied("This account does not belong to a practice.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def record_form_view(
    request,
    *,
    form_class,
    instance=None,
    template,
    title,
    save,
    cancel_url,
    initial=None,
    extra_context=None,
    audit_client=None,
):
    """Render a create or edit form; on a valid POST call `save(form)` and go to
    the saved record's page.

    An edit form shows the whole record, so opening one is audited as a view of
    `instance` when `audit_client` names the client it is about."""
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, instance=instance, practice=request.practice)
        if form.is_valid():
            obj = save(form)
            verb = "added" if instance is None else "saved"
            messages.success(request, f"{obj} {verb}.")
            return redirect(obj.get_absolute_url())
    else:
        form = form_class(instance=instance, practice=request.practice, initial=initial)
        if instance is not None and audit_client is not None:
            record_view(request, instance, client=audit_client)
    context = {"form": form, "title": title, "cancel_url": cancel_url, "object": instance}
    context.update(extra_context or {})
    return render(request, template, context, status=400 if form.errors else 200)
