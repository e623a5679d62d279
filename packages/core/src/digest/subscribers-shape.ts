import type { PerEventSubscriber, SubscriberHandler, SubscriberResult } from "../sending/channel";
import type { DebounceSubscriber, DigestSubscriber } from "./batch-types";

/**
 * The type each subscriber is checked against, chosen by the keys it was written with: with
 * `digest` a {@link DigestSubscriber} (its handler takes `events: TEvent[]`), with `debounce` a
 * {@link DebounceSubscriber}, otherwise a per-event handler or `{ handler, … }`.
 *
 * Why keys: a union of the three cannot type an untyped `handler: async (events) => …`, since
 * TypeScript gives a parameter no type when the union's members disagree on it. `TShape` is
 * inferred from the object literal's keys (which never depend on the handler), and each
 * subscriber's expected type is then one member, never the union. Internal to `ChannelConfig`.
 */
export type SubscribersShape<TShape, TEvent, TContext extends object, TSubscribers> = {
  [K in keyof TShape]: SubscriberShape<
    TShape[K],
    TEvent,
    TContext,
    K extends keyof TSubscribers ? SubscriberResult<TSubscribers[K]> : unknown
  >;
};

type PerEventObject<TEvent, TContext extends object> = Exclude<
  PerEventSubscriber<TEvent, TContext>,
  (...args: never[]) => unknown
>;

type SubscriberShape<X, TEvent, TContext extends object, TResult> = unknown extends X
  ? // Nothing could be read from it yet (a function, or an object of functions only).
    SubscriberHandler<TEvent, TContext> | PerEventObject<TEvent, TContext>
  :
      | SubscriberHandler<TEvent, TContext>
      | { [P in keyof X]: PropertyOf<ConfigFor<keyof X, TEvent, TContext, TResult>, P> };

type ConfigFor<Keys, TEvent, TContext extends object, TResult> = "digest" extends Keys
  ? "debounce" extends Keys
    ? BothBatchModes
    : DigestSubscriber<TEvent, TContext, TResult>
  : "debounce" extends Keys
    ? DebounceSubscriber<TEvent, TContext, TResult>
    : PerEventObject<TEvent, TContext>;

/** Written with both `digest` and `debounce`: every property is refused, saying why. */
interface BothBatchModes {
  digest: "choose digest or debounce, not both";
  debounce: "choose digest or debounce, not both";
}

type PropertyOf<T, P> = P extends keyof T ? T[P] : never;
