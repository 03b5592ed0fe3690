/**
 * The ownership tree of the media graph: a worker's root owns calls and conferences, they own
 * their legs, legs own their players and recorders. `close()` closes the children first, then the
 * node itself, detaches it from its parent, and returns the same promise when called again, so a
 * call hung up while its conference is being torn down is closed once.
 */
export abstract class GraphNode {
  private readonly children = new Set<GraphNode>();
  private parent: GraphNode | null = null;
  private closing: Promise<void> | null = null;

  get closed(): boolean {
    return this.closing !== null;
  }

  adopt<T extends GraphNode>(child: T): T {
    child.parent?.children.delete(child);
    child.parent = this;
    this.children.add(child);
    return child;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.detach();
      // Children first, so that nothing is left holding a reference into a closed parent.
      await Promise.allSettled([...this.children].map((c) => c.close()));
      this.children.clear();
      await this.dispose();
      this.parent?.children.delete(this);
      this.parent = null;
    })();
    return this.closing;
  }

  /** Stop taking part in ticks and packets at once, before anything is closed. */
  protected detach(): void {}

  /** Release what this node itself holds (sockets, files). Called once, after the children. */
  protected abstract dispose(): Promise<void>;

  /** @internal the number of live children, for tests of the tree. */
  get childCount(): number {
    return this.children.size;
  }
}
