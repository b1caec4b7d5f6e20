/*
 * parley-audio: PortAudio streams in callback mode, one per direction, with frames moved through
 * lock-free rings (ring.h) and the JS thread woken once per period.
 *
 *   devices()                       -> [{ index, name, hostApi, maxInputChannels, ... }]
 *   open({ device, direction: 'input'|'output'|'duplex', sampleRate, framesPerPeriod, periods }, onFrame?)
 *                                   -> handle (input and duplex need onFrame(Int16Array));
 *                                      each ring holds `periods` periods (default 8)
 *   start(handle)                   starts the PortAudio stream
 *   write(handle, Int16Array)       output: queues one period; false when the ring is full
 *   queued(handle)                  samples waiting in the ring
 *   stats(handle)                   -> { frames, overruns, underruns, xruns }
 *   close(handle)                   idempotent
 *
 * Threads: the PortAudio callback runs on PortAudio's (PulseAudio's) thread. It never blocks,
 * never allocates, and touches Node only through napi_call_threadsafe_function in non-blocking
 * mode, at most one call queued at a time (the `wake_pending` flag). Everything else runs on the
 * JS thread of the env (main thread or a worker) that opened the stream.
 *
 * Overflow drops the NEWEST audio (an SPSC producer cannot discard what the consumer owns) and
 * counts it in `overruns`: on input when JS does not drain the ring, on output when JS writes
 * faster than the device plays. An output callback that finds less than it needs plays silence
 * for the rest and counts an `underrun` (only after the first write, so start-up is not counted).
 *
 * Duplex (one stream, one callback filling one ring and draining the other) works but is not
 * usable on PulseAudio: PortAudio's ALSA duplex over the pulse plugin spins a core at 100 %
 * (native/README.md), as naudiodon's duplex mode does.
 *
 * Lifetime: a stream is owned by its JS handle (napi_wrap) and, for input, by its threadsafe
 * function; memory is freed when both are gone. The PortAudio stream is closed by close(), by
 * the handle's finalizer, or by an env cleanup hook when the env (a worker) goes away first.
 * No state is shared between envs except PortAudio itself, whose init/terminate/open/close are
 * not thread-safe: they run under one process-wide mutex.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <portaudio.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ring.h"

static pthread_mutex_t pa_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct stream {
  napi_env env;
  PaStream *pa;
  int has_in, has_out; /* capture, playback, or both (duplex: one stream, one callback) */
  int open;            /* PortAudio stream open (JS thread only) */
  int owners;          /* JS handle + threadsafe function (JS thread only) */
  int hooked;          /* env cleanup hook registered */
  size_t period;       /* samples per period */
  ring_t rin, rout;    /* captured samples; samples to play */
  napi_threadsafe_function tsfn; /* input only */
  napi_ref frame_ref;  /* input: the Int16Array handed to onFrame, reused */
  int16_t *frame;      /* its data */
  atomic_int wake_pending;
  atomic_int primed;   /* output: something was written */
  _Atomic uint64_t frames, overruns, underruns, xruns;
} stream_t;

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "parley-audio: " #call " failed");       \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value throw_pa(napi_env env, const char *what, PaError err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, Pa_GetErrorText(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/* ---- the PortAudio thread ---- */

static void count_status(stream_t *s, PaStreamCallbackFlags flags) {
  if (flags & (paInputOverflow | paInputUnderflow | paOutputOverflow | paOutputUnderflow))
    atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
}

static int stream_cb(const void *in, void *out, unsigned long n, const PaStreamCallbackTimeInfo *t,
                     PaStreamCallbackFlags flags, void *user) {
  (void)t;
  stream_t *s = user;
  count_status(s, flags);
  atomic_fetch_add_explicit(&s->frames, n, memory_order_relaxed);
  if (out) {
    size_t got = ring_read(&s->rout, out, n);
    if (got < n) {
      memset((int16_t *)out + got, 0, (n - got) * sizeof(int16_t));
      if (atomic_load_explicit(&s->primed, memory_order_relaxed))
        atomic_fetch_add_explicit(&s->underruns, 1, memory_order_relaxed);
    }
  }
  if (in) {
    if (!ring_write(&s->rin, in, n)) atomic_fetch_add_explicit(&s->overruns, 1, memory_order_relaxed);
    if (ring_fill(&s->rin) >= s->period && !atomic_exchange(&s->wake_pending, 1)) {
      if (napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok)
        atomic_store(&s->wake_pending, 0); /* closing or queue full: try again next period */
    }
  }
  return paContinue;
}

/* ---- the JS thread ---- */

static void stream_unref(stream_t *s) {
  if (--s->owners > 0) return;
  free(s->rin.buf);
  free(s->rout.buf);
  free(s);
}

static void cleanup_hook(void *arg);

/* Stops PortAudio (waits for a running callback to return), then lets the tsfn go. */
static void stream_close(stream_t *s) {
  if (!s->open) return;
  s->open = 0;
  pthread_mutex_lock(&pa_lock);
  Pa_CloseStream(s->pa); /* aborts first; returns once no callback runs */
  Pa_Terminate();
  pthread_mutex_unlock(&pa_lock);
  s->pa = NULL;
  if (s->hooked) napi_remove_env_cleanup_hook(s->env, cleanup_hook, s);
  s->hooked = 0;
  if (s->tsfn) napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
  s->tsfn = NULL;
  /* After this no PortAudio callback and no new tsfn call can reference s. */
}

static void cleanup_hook(void *arg) {
  stream_t *s = arg;
  s->hooked = 0; /* being run: Node drops it itself */
  stream_close(s);
}

/* Delivers every whole period in the ring to onFrame(Int16Array), in the reused array. */
static void deliver(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  stream_t *s = context;
  if (env == NULL || !s->open) return; /* the tsfn is being torn down */
  atomic_store(&s->wake_pending, 0);
  napi_value frame, undef;
  if (napi_get_reference_value(env, s->frame_ref, &frame) != napi_ok || napi_get_undefined(env, &undef) != napi_ok) return;
  while (s->open && ring_fill(&s->rin) >= s->period) {
    ring_read(&s->rin, s->frame, s->period);
    if (napi_call_function(env, undef, js_cb, 1, &frame, NULL) != napi_ok) return; /* exception: surfaces as uncaught */
  }
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  stream_t *s = data;
  s->tsfn = NULL; /* being finalized: no release */
  stream_close(s);
  napi_delete_reference(env, s->frame_ref);
  stream_unref(s);
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  stream_t *s = data;
  stream_close(s); /* a handle dropped without close() */
  stream_unref(s);
}

static stream_t *unwrap(napi_env env, napi_value v) {
  stream_t *s = NULL;
  if (napi_unwrap(env, v, (void **)&s) != napi_ok || s == NULL) {
    napi_throw_type_error(env, NULL, "parley-audio: not a stream handle");
    return NULL;
  }
  return s;
}

static int get_num(napi_env env, napi_value obj, const char *key, double *out) {
  napi_value v;
  return napi_get_named_property(env, obj, key, &v) == napi_ok && napi_get_value_double(env, v, out) == napi_ok;
}

static napi_value set_prop(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
  return obj;
}

static void set_num(napi_env env, napi_value obj, const char *key, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  set_prop(env, obj, key, v);
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *x) {
  napi_value v;
  napi_create_string_utf8(env, x, NAPI_AUTO_LENGTH, &v);
  set_prop(env, obj, key, v);
}

static void set_bool(napi_env env, napi_value obj, const char *key, int x) {
  napi_value v;
  napi_get_boolean(env, x, &v);
  set_prop(env, obj, key, v);
}

/* devices(): initialises PortAudio for the listing, so hot-plugged devices show up (but only
   while no stream is open: PortAudio's initialisation is reference-counted). */
static napi_value js_devices(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&pa_lock);
  PaError err = Pa_Initialize();
  if (err != paNoError) {
    pthread_mutex_unlock(&pa_lock);
    return throw_pa(env, "Pa_Initialize", err);
  }
  napi_value list;
  napi_create_array(env, &list);
  int n = Pa_GetDeviceCount();
  PaDeviceIndex defIn = Pa_GetDefaultInputDevice(), defOut = Pa_GetDefaultOutputDevice();
  for (int i = 0; i < n; i++) {
    const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
    if (!d) continue;
    const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
    napi_value o;
    napi_create_object(env, &o);
    set_num(env, o, "index", i);
    set_str(env, o, "name", d->name);
    set_str(env, o, "hostApi", h ? h->name : "");
    set_num(env, o, "maxInputChannels", d->maxInputChannels);
    set_num(env, o, "maxOutputChannels", d->maxOutputChannels);
    set_num(env, o, "defaultSampleRate", d->defaultSampleRate);
    set_bool(env, o, "isDefaultInput", i == defIn);
    set_bool(env, o, "isDefaultOutput", i == defOut);
    napi_set_element(env, list, (uint32_t)i, o);
  }
  Pa_Terminate();
  pthread_mutex_unlock(&pa_lock);
  return list;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double device, rate, period, periods = 8;
  char dir[16] = "";
  napi_value v;
  if (argc < 1 || !get_num(env, argv[0], "device", &device) || !get_num(env, argv[0], "sampleRate", &rate) ||
      !get_num(env, argv[0], "framesPerPeriod", &period) || napi_get_named_property(env, argv[0], "direction", &v) != napi_ok ||
      napi_get_value_string_utf8(env, v, dir, sizeof dir, NULL) != napi_ok || period < 1) {
    napi_throw_type_error(env, NULL, "parley-audio: open({ device, direction, sampleRate, framesPerPeriod }, onFrame?)");
    return NULL;
  }
  get_num(env, argv[0], "periods", &periods);
  int duplex = strcmp(dir, "duplex") == 0;
  int input = duplex || strcmp(dir, "input") == 0;
  napi_valuetype cbt = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &cbt);
  if (input && cbt != napi_function) {
    napi_throw_type_error(env, NULL, "parley-audio: an input needs an onFrame function");
    return NULL;
  }

  stream_t *s = calloc(1, sizeof *s);
  if (!s) return throw_pa(env, "open", paInsufficientMemory);
  s->env = env;
  s->has_in = input;
  s->has_out = duplex || !input;
  s->period = (size_t)period;
  s->rin.cap = s->rout.cap = s->period * (size_t)(periods < 2 ? 2 : periods);
  if (s->has_in) s->rin.buf = calloc(s->rin.cap, sizeof(int16_t));
  if (s->has_out) s->rout.buf = calloc(s->rout.cap, sizeof(int16_t));
  if ((s->has_in && !s->rin.buf) || (s->has_out && !s->rout.buf)) {
    free(s->rin.buf);
    free(s->rout.buf);
    free(s);
    return throw_pa(env, "open", paInsufficientMemory);
  }

  pthread_mutex_lock(&pa_lock);
  PaError err = Pa_Initialize();
  if (err == paNoError) {
    PaStreamParameters p = { .device = (PaDeviceIndex)device, .channelCount = 1, .sampleFormat = paInt16 };
    const PaDeviceInfo *d = Pa_GetDeviceInfo(p.device);
    if (!d) err = paInvalidDevice;
    else {
      PaStreamParameters ip = p, op = p;
      ip.suggestedLatency = d->defaultLowInputLatency;
      op.suggestedLatency = d->defaultLowOutputLatency;
      err = Pa_OpenStream(&s->pa, s->has_in ? &ip : NULL, s->has_out ? &op : NULL, rate, s->period, paClipOff, stream_cb, s);
    }
    if (err != paNoError) Pa_Terminate();
  }
  pthread_mutex_unlock(&pa_lock);
  if (err != paNoError) {
    free(s->rin.buf);
    free(s->rout.buf);
    free(s);
    return throw_pa(env, "Pa_OpenStream", err);
  }
  s->open = 1;
  s->owners = 1;

  napi_value handle;
  napi_create_object(env, &handle);
  if (input) {
    napi_value ab, arr, name;
    napi_create_arraybuffer(env, s->period * sizeof(int16_t), (void **)&s->frame, &ab);
    napi_create_typedarray(env, napi_int16_array, s->period, ab, 0, &arr);
    napi_create_reference(env, arr, 1, &s->frame_ref);
    napi_create_string_utf8(env, "parley-audio input", NAPI_AUTO_LENGTH, &name);
    if (napi_create_threadsafe_function(env, argv[1], NULL, name, 2, 1, s, tsfn_finalize, s, deliver, &s->tsfn) != napi_ok) {
      stream_close(s);
      napi_delete_reference(env, s->frame_ref);
      stream_unref(s);
      napi_throw_error(env, NULL, "parley-audio: napi_create_threadsafe_function failed");
      return NULL;
    }
    s->owners++;
  }
  /* Registered after the tsfn's own hook, so it runs before it (hooks run in reverse order). */
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  s->hooked = 1;
  napi_wrap(env, handle, s, handle_finalize, NULL, NULL);
  return handle;
}

static napi_value arg_stream(napi_env env, napi_callback_info info, stream_t **out, napi_value *second) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "parley-audio: a stream handle is required");
    return NULL;
  }
  *out = unwrap(env, argv[0]);
  if (second) *second = argc >= 2 ? argv[1] : NULL;
  return *out ? argv[0] : NULL;
}

static napi_value js_start(napi_env env, napi_callback_info info) {
  stream_t *s;
  if (!arg_stream(env, info, &s, NULL)) return NULL;
  if (!s->open) return throw_pa(env, "start", paBadStreamPtr);
  PaError err = Pa_StartStream(s->pa);
  if (err != paNoError) return throw_pa(env, "Pa_StartStream", err);
  return NULL;
}

static napi_value js_write(napi_env env, napi_callback_info info) {
  stream_t *s;
  napi_value arr, result;
  if (!arg_stream(env, info, &s, &arr)) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (!arr || napi_get_typedarray_info(env, arr, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int16_array) {
    napi_throw_type_error(env, NULL, "parley-audio: write(handle, Int16Array)");
    return NULL;
  }
  int ok = s->open && s->has_out && ring_write(&s->rout, data, length);
  if (s->open && s->has_out) {
    atomic_store_explicit(&s->primed, 1, memory_order_relaxed);
    if (!ok) atomic_fetch_add_explicit(&s->overruns, 1, memory_order_relaxed);
  }
  napi_get_boolean(env, ok, &result);
  return result;
}

static napi_value js_queued(napi_env env, napi_callback_info info) {
  stream_t *s;
  napi_value result;
  if (!arg_stream(env, info, &s, NULL)) return NULL;
  napi_create_double(env, (double)ring_fill(s->has_out ? &s->rout : &s->rin), &result);
  return result;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  stream_t *s;
  napi_value o;
  if (!arg_stream(env, info, &s, NULL)) return NULL;
  napi_create_object(env, &o);
  set_num(env, o, "frames", (double)atomic_load(&s->frames));
  set_num(env, o, "overruns", (double)atomic_load(&s->overruns));
  set_num(env, o, "underruns", (double)atomic_load(&s->underruns));
  set_num(env, o, "xruns", (double)atomic_load(&s->xruns));
  return o;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  stream_t *s;
  if (!arg_stream(env, info, &s, NULL)) return NULL;
  stream_close(s);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "devices", NULL, js_devices, NULL, NULL, NULL, napi_enumerable, NULL },
    { "open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL },
    { "start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL },
    { "write", NULL, js_write, NULL, NULL, NULL, napi_enumerable, NULL },
    { "queued", NULL, js_queued, NULL, NULL, NULL, napi_enumerable, NULL },
    { "stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
